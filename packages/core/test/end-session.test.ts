import { describe, expect, it } from 'vitest'
import { endSession } from '../src/driver.js'

describe('endSession', () => {
  it('says goodbye, unreferences the socket and does not wait for the server to close its side', async () => {
    const calls: string[] = []
    const socket = { unref: () => calls.push('unref') }
    const never = new Promise<void>(() => {})
    await endSession(() => {
      calls.push('end')
      return never
    }, socket)
    expect(calls).toEqual(['end', 'unref'])
  })

  it('waits for the end when the socket cannot be unreferenced, and swallows its error', async () => {
    let finished = false
    await endSession(async () => {
      await new Promise((r) => setTimeout(r, 20))
      finished = true
      throw new Error('already closed')
    }, undefined)
    expect(finished).toBe(true)
  })
})
