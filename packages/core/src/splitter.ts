import type { ScriptStatement } from './driver.js'

/** Options of {@link splitStatements}. */
export interface SplitOptions {
  /** Backslash escapes inside '...' (MySQL default). PostgreSQL only honours them in E'...'. */
  backslashEscapes?: boolean
  /** Honour MySQL client `DELIMITER xx` lines. */
  delimiterCommand?: boolean
}

const BLOCK_STARTERS_AFTER_BEGIN = /^(?:\s*;|\s*$|\s+(?:transaction|work|deferred|immediate|exclusive|isolation|read)\b)/i

/**
 * Split a SQL script into statements. Understands single and double quotes, backticks,
 * `E'...'` with backslashes, `--` and nested `/* *\/` comments, `$tag$` bodies, `BEGIN ... END`
 * blocks (triggers, routines, `BEGIN ATOMIC`) and MySQL `DELIMITER`. Statements that are only
 * comments are dropped. Each statement carries the 1-based line it starts on (offset by `firstLine`).
 */
export function splitStatements(sql: string, options: SplitOptions = {}, firstLine = 1): ScriptStatement[] {
  const out: ScriptStatement[] = []
  let delimiter = ';'
  let start = 0
  let line = firstLine
  let startLine = -1
  let depth = 0
  let i = 0
  const n = sql.length
  let meaningful = false
  const lower = (k: number, len: number) => sql.slice(k, k + len).toLowerCase()
  const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c)
  const markStart = () => {
    if (!meaningful) {
      meaningful = true
      startLine = line
    }
  }
  const emit = (end: number) => {
    const text = sql.slice(start, end).trim()
    if (meaningful && text) out.push({ sql: text, line: startLine })
    meaningful = false
    depth = 0
  }
  while (i < n) {
    const c = sql[i]!
    const next = sql[i + 1]
    if (c === '\n') {
      line++
      i++
      continue
    }
    // DELIMITER command at the start of a statement
    if (options.delimiterCommand && !meaningful && (c === 'd' || c === 'D') && lower(i, 10) === 'delimiter ' && (i === 0 || sql[i - 1] === '\n' || /\s/.test(sql[i - 1]!))) {
      const eol = sql.indexOf('\n', i)
      const end = eol < 0 ? n : eol
      delimiter = sql.slice(i + 10, end).trim() || ';'
      i = end
      start = end
      continue
    }
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i)
      i = eol < 0 ? n : eol
      continue
    }
    if (c === '#' && options.delimiterCommand) {
      const eol = sql.indexOf('\n', i)
      i = eol < 0 ? n : eol
      continue
    }
    if (c === '/' && next === '*') {
      let nest = 1
      i += 2
      while (i < n && nest > 0) {
        if (sql[i] === '\n') line++
        if (sql[i] === '/' && sql[i + 1] === '*') {
          nest++
          i += 2
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          nest--
          i += 2
        } else i++
      }
      continue
    }
    if (/\s/.test(c)) {
      i++
      continue
    }
    // delimiter
    if (depth === 0 && sql.startsWith(delimiter, i)) {
      emit(i)
      i += delimiter.length
      start = i
      continue
    }
    markStart()
    if (c === "'" || c === '"' || c === '`') {
      const escapes = c === "'" && (options.backslashEscapes || ((sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isWordChar(sql[i - 2])))
      i++
      while (i < n) {
        const d = sql[i]!
        if (d === '\n') line++
        if (escapes && d === '\\') {
          if (sql[i + 1] === '\n') line++
          i += 2
          continue
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            i += 2
            continue
          }
          break
        }
        i++
      }
      i++
      continue
    }
    if (c === '$' && !isWordChar(sql[i - 1])) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))
      if (m) {
        const tag = m[0]
        const close = sql.indexOf(tag, i + tag.length)
        const end = close < 0 ? n : close + tag.length
        for (let k = i; k < end; k++) if (sql[k] === '\n') line++
        i = end
        continue
      }
    }
    if (isWordChar(c) && !isWordChar(sql[i - 1])) {
      let j = i
      while (j < n && isWordChar(sql[j])) j++
      const word = sql.slice(i, j).toLowerCase()
      if (word === 'begin') {
        if (depth > 0 || !BLOCK_STARTERS_AFTER_BEGIN.test(sql.slice(j, j + 20))) depth++
      } else if (word === 'case' && depth > 0) {
        depth++
      } else if (word === 'end' && depth > 0) {
        const after = /^\s+(if|loop|while|repeat|case)\b/i.exec(sql.slice(j, j + 16))
        if (!after) depth--
        else if (after[1]!.toLowerCase() === 'case') depth--
        // END IF/LOOP/WHILE/REPEAT close constructs that never opened a level
        if (after) j += after[0].length
      }
      i = j
      continue
    }
    i++
  }
  emit(n)
  return out
}
