import { UrlError } from './errors.js'

/**
 * Replace the password of a URL with `***`: the one after `user:`, and a `password=` query
 * parameter (which pg and mysql2 read too). Works on any string that contains URLs.
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)(@)/gi, '$1***$3').replace(/([?&]password=)[^&\s]+/gi, '$1***')
}

/** The scheme of a database URL, lower-cased, without the colon (`postgres`, `sqlite`). */
export function urlScheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url)
  if (!m) throw new UrlError(`not a database URL: "${redactUrl(url)}" (expected postgres://, mysql://, sqlite:./file.db, ...)`)
  return m[1]!.toLowerCase()
}
