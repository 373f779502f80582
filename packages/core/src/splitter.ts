import type { ScriptStatement } from './driver.js'

/**
 * Options of {@link splitStatements} and {@link SqlSplitter}. Drivers pass what their engine's lexer
 * does; the defaults are PostgreSQL's and SQLite's (which agree on everything below).
 */
export interface SplitOptions {
  /** Backslash escapes inside '...' and "..." (MySQL default). PostgreSQL only honours them in E'...'. */
  backslashEscapes?: boolean
  /** Honour MySQL client `DELIMITER xx` lines. Also turns on the MySQL defaults of the options below. */
  delimiterCommand?: boolean
  /** `# comment` to end of line. Default: `delimiterCommand`. */
  hashComments?: boolean
  /** `$tag$ ... $tag$` bodies. Default: not `delimiterCommand`. */
  dollarQuotes?: boolean
  /** `/* /* nested *\/ *\/` comments. Default: not `delimiterCommand` (MySQL ends a comment at the first `*\/`). */
  nestedComments?: boolean
  /** `--` starts a comment only when followed by whitespace (MySQL). Default: `delimiterCommand`. */
  dashCommentNeedsSpace?: boolean
  /** `/*! ... *\/` and `/*+ ... *\/` are code, not comments (MySQL). Default: `delimiterCommand`. */
  executableComments?: boolean
}

/** Words after BEGIN that make it a transaction statement rather than a block. */
const TRANSACTION_BEGIN = /^(?:\s*;|\s*$|\s+(?:transaction|work|deferred|immediate|exclusive|isolation|read|not\s+deferrable|deferrable)\b)/i
/** How far past BEGIN / END the splitter looks to classify them. */
const LOOKAHEAD = 32
/** Words after which BEGIN, END and CASE are column names (`select end from t`, `set begin = 1`), not keywords. */
const IDENT_AFTER = new Set(['select', 'set', 'by', 'where', 'and', 'or', 'distinct', 'returning'])
/** After BEGIN or CASE, these make it a column name (`begin int)`, `case = 1`). */
const IDENT_FOLLOWS = /^\s*[,)=.]/

/**
 * The argument of the MySQL client's `DELIMITER` command: the first word, or a quoted string
 * without its quotes (`delimiter '$$'` sets `$$`, as the mysql client does).
 */
function delimiterArgument(arg: string): string {
  const text = arg.trim()
  const quoted = /^(['"`])(.*?)\1/.exec(text)
  if (quoted) return quoted[2] || ';'
  return text.split(/\s/)[0] || ';'
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11
const isWord = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127

/**
 * An incremental statement splitter: feed text with {@link push} (chunks may cut anywhere, even
 * inside a string or a keyword) and get each statement as soon as its terminator is read, then call
 * {@link end} for the last one. Memory holds only the statement being read, so a large file can be
 * streamed through it.
 *
 * Understands single and double quotes, backticks, `E'...'` with backslashes, `--`, `#` and nested
 * `/* *\/` comments, `$tag$` bodies, parentheses (PostgreSQL rules with several actions),
 * `BEGIN ... END` blocks (SQLite triggers, MySQL routines, PostgreSQL `BEGIN ATOMIC`) and MySQL
 * `DELIMITER`. Statements that are only comments are dropped. A statement's text starts at its first
 * token (leading comments are left out) and `line`/`offset` point there.
 */
export class SqlSplitter {
  private buf = ''
  /** Absolute offset (in the whole input) of `buf[0]`. */
  private base = 0
  /** Scan position in `buf`. */
  private i = 0
  /** Line of `buf[i]`. */
  private line: number
  private delimiter = ';'
  private depth = 0
  private parens = 0
  /** Start of the current statement's first token in `buf`, or -1 while only blanks/comments were read. */
  private start = -1
  private startLine = 0
  /** Last character of the statement's previous token (-1 at a statement's start; `a` for a word). */
  private prevChar = -1
  /** Absolute offset and length of the statement's previous token when it was a word. */
  private prevWordAt = -1
  private prevWordLen = 0
  private readonly o: Required<SplitOptions>

  constructor(options: SplitOptions = {}, firstLine = 1) {
    const my = Boolean(options.delimiterCommand)
    this.o = {
      backslashEscapes: Boolean(options.backslashEscapes),
      delimiterCommand: my,
      hashComments: options.hashComments ?? my,
      dollarQuotes: options.dollarQuotes ?? !my,
      nestedComments: options.nestedComments ?? !my,
      dashCommentNeedsSpace: options.dashCommentNeedsSpace ?? my,
      executableComments: options.executableComments ?? my,
    }
    this.line = firstLine
  }

  /** Add text; returns the statements completed by it. */
  push(chunk: string): ScriptStatement[] {
    this.buf += chunk
    return this.scan(false)
  }

  /** No more text: returns the last statement, if any. */
  end(): ScriptStatement[] {
    return this.scan(true)
  }

  private scan(final: boolean): ScriptStatement[] {
    const out: ScriptStatement[] = []
    const s = this.buf
    const n = s.length
    let i = this.i
    // Consume s[i, j): count its newlines. Returns false when the token may continue past the buffer.
    const advance = (j: number) => {
      for (let k = i; k < j; k++) if (s.charCodeAt(k) === 10) this.line++
      i = j
    }
    const mark = () => {
      if (this.start < 0) {
        this.start = i
        this.startLine = this.line
      }
    }
    const emit = (end: number) => {
      if (this.start >= 0) {
        const text = s.slice(this.start, end).trimEnd()
        if (text) out.push({ sql: text, line: this.startLine, offset: this.base + this.start })
      }
      this.start = -1
      this.depth = 0
      this.parens = 0
      this.prevChar = -1
      this.prevWordAt = -1
    }
    /** The previous token is a word that makes BEGIN / END / CASE a column name, or `.`, `(`, `,`. */
    const identContext = () => {
      const p = this.prevChar
      if (p === 46 || p === 40 || p === 44) return true
      if (p !== 97 || this.prevWordAt < 0 || this.prevWordLen > 9) return false
      const at = this.prevWordAt - this.base
      return IDENT_AFTER.has(s.slice(at, at + this.prevWordLen).toLowerCase())
    }
    scan: while (i < n) {
      const c = s.charCodeAt(i)
      if (isSpace(c)) {
        advance(i + 1)
        continue
      }
      const custom = this.delimiter !== ';'
      // MySQL client `DELIMITER xx`, at the start of a statement
      if (this.o.delimiterCommand && this.start < 0 && (c === 100 || c === 68)) {
        if (!final && n - i < 10) break
        if (/^delimiter[ \t]/i.test(s.slice(i, i + 10))) {
          const eol = s.indexOf('\n', i)
          if (eol < 0 && !final) break
          const end = eol < 0 ? n : eol
          this.delimiter = delimiterArgument(s.slice(i + 10, end))
          advance(end)
          continue
        }
      }
      // the delimiter (outside blocks and parentheses, unless it is a custom one)
      if (c === this.delimiter.charCodeAt(0) && (custom || (this.depth === 0 && this.parens === 0))) {
        if (!final && n - i < this.delimiter.length) break
        if (s.startsWith(this.delimiter, i)) {
          emit(i)
          advance(i + this.delimiter.length)
          continue
        }
      }
      const next = i + 1 < n ? s.charCodeAt(i + 1) : -1
      if (next < 0 && !final && (c === 45 || c === 47)) break
      // -- comment
      if (c === 45 && next === 45) {
        if (this.o.dashCommentNeedsSpace) {
          if (i + 2 >= n && !final) break
          const after = i + 2 < n ? s.charCodeAt(i + 2) : 32
          if (!isSpace(after)) {
            mark()
            advance(i + 1)
            continue
          }
        }
        const eol = s.indexOf('\n', i)
        if (eol < 0 && !final) break
        advance(eol < 0 ? n : eol)
        continue
      }
      // # comment
      if (c === 35 && this.o.hashComments) {
        const eol = s.indexOf('\n', i)
        if (eol < 0 && !final) break
        advance(eol < 0 ? n : eol)
        continue
      }
      // /* comment */
      if (c === 47 && next === 42) {
        if (this.o.executableComments) {
          if (i + 2 >= n && !final) break
          const third = s.charCodeAt(i + 2)
          if (third === 33 || third === 43) mark()
        }
        let nest = 1
        let k = i + 2
        while (k < n && nest > 0) {
          const d = s.charCodeAt(k)
          if (d === 47 && s.charCodeAt(k + 1) === 42 && this.o.nestedComments) {
            nest++
            k += 2
          } else if (d === 42 && s.charCodeAt(k + 1) === 47) {
            nest--
            k += 2
          } else k++
        }
        if (nest > 0 && !final) break
        advance(k)
        continue
      }
      mark()
      // quoted strings and identifiers
      if (c === 39 || c === 34 || c === 96) {
        const prev = i > 0 ? s.charCodeAt(i - 1) : -1
        const eString = c === 39 && (prev === 69 || prev === 101) && !(i > 1 && isWord(s.charCodeAt(i - 2)))
        const escapes = c !== 96 && (this.o.backslashEscapes || eString)
        let k = i + 1
        for (;;) {
          if (k >= n) {
            if (!final) break scan
            k = n
            break
          }
          const d = s.charCodeAt(k)
          if (escapes && d === 92) {
            k += 2
            continue
          }
          if (d === c) {
            if (k + 1 >= n && !final) break scan
            if (s.charCodeAt(k + 1) === c) {
              k += 2
              continue
            }
            k++
            break
          }
          k++
        }
        advance(Math.min(k, n))
        this.prevChar = c
        continue
      }
      // $tag$ ... $tag$
      if (c === 36 && this.o.dollarQuotes && !(i > 0 && isWord(s.charCodeAt(i - 1)))) {
        let k = i + 1
        while (k < n && k - i < 64 && isWord(s.charCodeAt(k)) && s.charCodeAt(k) !== 36) k++
        if (k >= n && !final) break
        const tagOk = k < n && s.charCodeAt(k) === 36 && (k === i + 1 || !(s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57))
        if (tagOk) {
          const tag = s.slice(i, k + 1)
          const close = s.indexOf(tag, k + 1)
          if (close < 0 && !final) break
          advance(close < 0 ? n : close + tag.length)
          this.prevChar = 36
          continue
        }
        advance(i + 1)
        this.prevChar = 36
        continue
      }
      if (c === 40 || c === 41) {
        if (!custom) this.parens += c === 40 ? 1 : this.parens > 0 ? -1 : 0
        advance(i + 1)
        this.prevChar = c
        continue
      }
      // words: BEGIN / CASE / END change the block depth
      if (isWord(c)) {
        let j = i
        while (j < n && isWord(s.charCodeAt(j))) {
          // a custom delimiter may follow a word directly (END$$)
          if (custom && s.startsWith(this.delimiter, j) && j > i) break
          j++
        }
        if (j >= n && !final) break
        const len = j - i
        if (!custom && (len === 3 || len === 4 || len === 5)) {
          const word = s.slice(i, j).toLowerCase()
          if (word === 'begin' || word === 'end') {
            if (n - j < LOOKAHEAD && !final) break
            const ahead = s.slice(j, j + LOOKAHEAD)
            if (identContext() || (word === 'begin' && IDENT_FOLLOWS.test(ahead))) {
              // a column named begin or end (`create table t2(begin int)`) opens and closes nothing
            } else if (word === 'begin') {
              if (this.depth > 0 || !TRANSACTION_BEGIN.test(ahead)) this.depth++
            } else if (this.depth > 0) {
              const after = /^\s+(if|loop|while|repeat|case|for)\b/i.exec(ahead)
              // END IF/LOOP/WHILE/REPEAT close constructs that never opened a level; END CASE closes a CASE
              if (!after || after[1]!.toLowerCase() === 'case') this.depth--
              if (after) j += after[0].length
            }
          } else if (word === 'case' && this.depth > 0 && this.prevChar !== 46) {
            if (n - j < LOOKAHEAD && !final) break
            if (!IDENT_FOLLOWS.test(s.slice(j, j + LOOKAHEAD))) this.depth++
          }
        }
        this.prevChar = 97
        this.prevWordAt = this.base + i
        this.prevWordLen = len
        advance(j)
        continue
      }
      advance(i + 1)
      this.prevChar = c
    }
    this.i = i
    if (final) {
      emit(n)
      this.i = n
    }
    // Drop what no statement needs any more.
    const keep = this.start >= 0 ? this.start : this.i
    if (keep > 0) {
      this.buf = s.slice(keep)
      this.base += keep
      this.i -= keep
      if (this.start >= 0) this.start -= keep
    }
    return out
  }
}

/**
 * Split a SQL script into statements (see {@link SqlSplitter}). Each statement carries the 1-based
 * line it starts on (offset by `firstLine`) and its offset in `sql`.
 */
export function splitStatements(sql: string, options: SplitOptions = {}, firstLine = 1): ScriptStatement[] {
  const splitter = new SqlSplitter(options, firstLine)
  return [...splitter.push(sql), ...splitter.end()]
}

/**
 * Split a stream of text (a file read with `createReadStream(file, 'utf8')`), yielding statements as
 * they complete: memory holds one statement at a time, whatever the file's size.
 */
export async function* splitStream(chunks: AsyncIterable<string | Buffer>, options: SplitOptions = {}, firstLine = 1): AsyncGenerator<ScriptStatement> {
  const splitter = new SqlSplitter(options, firstLine)
  const decoder = new TextDecoder()
  for await (const chunk of chunks) {
    yield* splitter.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
  }
  const rest = decoder.decode()
  if (rest) yield* splitter.push(rest)
  yield* splitter.end()
}
