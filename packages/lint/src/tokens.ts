/** A token of a statement: a word (keyword or unquoted name), a quoted name, a string, a number or punctuation. */
export interface Token {
  type: 'word' | 'ident' | 'string' | 'number' | 'punct'
  /** The text: unquoted for names (`a"b` for `"a""b"`), as written otherwise. */
  text: string
  /** Words in upper case, for keyword matching; other tokens as `text`. */
  upper: string
}

/** How a statement is read: MySQL's `#` comments and backslash escapes. */
export interface TokenizeOptions {
  hashComments?: boolean
  backslashEscapes?: boolean
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/

/**
 * Split one statement into tokens, skipping comments. MySQL's executable comments (`/*! ... *\/`)
 * count as code. Good enough for matching keywords and names; the SQL is never rewritten.
 */
export function tokenize(sql: string, options: TokenizeOptions = {}): Token[] {
  const tokens: Token[] = []
  let i = 0
  let executableDepth = 0
  const push = (type: Token['type'], text: string) => tokens.push({ type, text, upper: type === 'word' ? text.toUpperCase() : text })
  while (i < sql.length) {
    const ch = sql[i]!
    const next = sql[i + 1]
    if (/\s/.test(ch)) {
      i++
    } else if ((ch === '-' && next === '-') || (ch === '#' && options.hashComments)) {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end + 1
    } else if (ch === '/' && next === '*') {
      if (sql[i + 2] === '!' || sql[i + 2] === '+') {
        i += 3
        while (i < sql.length && /[0-9]/.test(sql[i]!)) i++
        executableDepth++
      } else {
        const end = sql.indexOf('*/', i + 2)
        i = end < 0 ? sql.length : end + 2
      }
    } else if (ch === '*' && next === '/' && executableDepth > 0) {
      executableDepth--
      i += 2
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch
      let text = ''
      i++
      while (i < sql.length) {
        const c = sql[i]!
        if (c === '\\' && options.backslashEscapes && ch !== '`' && ch !== '[') {
          text += sql[i + 1] ?? ''
          i += 2
        } else if (c === close && sql[i + 1] === close && ch !== '[') {
          text += c
          i += 2
        } else if (c === close) {
          i++
          break
        } else {
          text += c
          i++
        }
      }
      push(ch === "'" ? 'string' : 'ident', text)
    } else if (WORD.test(ch)) {
      let end = i + 1
      while (end < sql.length && WORD.test(sql[end]!)) end++
      const text = sql.slice(i, end)
      push(/^[0-9]/.test(text) ? 'number' : 'word', text)
      i = end
    } else {
      push('punct', ch)
      i++
    }
  }
  return tokens
}
