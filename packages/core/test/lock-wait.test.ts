import { describe, expect, it } from 'vitest'
import { LockTimeoutError, waitForLock } from '../src/index.js'

describe('waitForLock', () => {
  it('tries without blocking first, then in bounded attempts, reporting the holder', async () => {
    const waits: number[] = []
    const reported: unknown[] = []
    await waitForLock({
      tryLock: async (ms) => {
        waits.push(ms)
        return waits.length === 3
      },
      holder: async () => ({ pid: 7 }),
      onWait: (h) => reported.push(h),
      attemptMs: 5,
    })
    expect(waits).toEqual([0, 5, 5])
    // reported once at the start of the wait, then every few seconds
    expect(reported).toEqual([{ pid: 7 }])
  })

  it('gives up after timeoutMs with the holder, never blocking past it', async () => {
    const waits: number[] = []
    const err = await waitForLock({
      tryLock: async (ms) => {
        waits.push(ms)
        if (ms) await new Promise((r) => setTimeout(r, ms))
        return false
      },
      holder: async () => ({ pid: 'other', application: 'mig' }),
      timeoutMs: 60,
      attemptMs: 1000,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LockTimeoutError)
    expect((err as LockTimeoutError).holder).toEqual({ pid: 'other', application: 'mig' })
    expect(Math.max(...waits)).toBeLessThanOrEqual(60)
  })

  it('sleeps pollMs between attempts of engines that cannot block', async () => {
    let tries = 0
    const started = Date.now()
    await waitForLock({ tryLock: async () => ++tries === 3, holder: async () => undefined, pollMs: 20 })
    expect(tries).toBe(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(38)
  })

  it('passes on errors of an attempt', async () => {
    await expect(waitForLock({ tryLock: async () => Promise.reject(new Error('gone')), holder: async () => undefined })).rejects.toThrow('gone')
  })
})
