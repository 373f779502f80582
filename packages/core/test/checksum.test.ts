import { describe, expect, it } from 'vitest'
import { checksum } from '../src/index.js'

describe('checksum', () => {
  it('is sha256 hex of the SQL', () => {
    expect(checksum('SELECT 1;')).toMatch(/^[0-9a-f]{64}$/)
    expect(checksum('SELECT 1;')).not.toBe(checksum('SELECT 2;'))
  })
  it('normalises CRLF and CR to LF', () => {
    expect(checksum('a\r\nb\rc')).toBe(checksum('a\nb\nc'))
  })
  it('matches the well-known digest', () => {
    expect(checksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})
