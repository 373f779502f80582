import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SqlSplitter, splitStatements, splitStream } from '../src/splitter.js'

const texts = (sql: string, options = {}) => splitStatements(sql, options).map((s) => s.sql)
const mysql = { delimiterCommand: true, backslashEscapes: true }

describe('splitStatements', () => {
  it('splits on semicolons and drops comment-only statements', () => {
    expect(texts('select 1; select 2;\n-- nothing;\n/* nothing; */;;')).toEqual(['select 1', 'select 2'])
  })

  it('keeps semicolons inside quotes, identifiers and comments', () => {
    const sql = `select 'a;b', "c;d" -- e;f\n, 'it''s;' /* g; /* h; */ i; */ from t; select 2`
    expect(texts(sql)).toEqual([`select 'a;b', "c;d" -- e;f\n, 'it''s;' /* g; /* h; */ i; */ from t`, 'select 2'])
  })

  it("honours backslashes only in E'...' on PostgreSQL", () => {
    expect(texts(`select E'a\\';b'; select 'c\\'; select 3`)).toEqual([`select E'a\\';b'`, `select 'c\\'`, 'select 3'])
  })

  it('skips $tag$ bodies, including other tags inside', () => {
    const sql = 'create function f() returns int as $fn$ begin return $$;$$; end $fn$ language plpgsql; select $1'
    expect(texts(sql)).toEqual(['create function f() returns int as $fn$ begin return $$;$$; end $fn$ language plpgsql', 'select $1'])
  })

  it('does not take identifiers with $ for dollar quotes', () => {
    expect(texts('select a$b$c from t; select 2')).toEqual(['select a$b$c from t', 'select 2'])
  })

  it('keeps BEGIN ... END blocks whole but splits BEGIN; transactions', () => {
    const sql = `BEGIN;
CREATE TRIGGER trg AFTER INSERT ON t BEGIN
  UPDATE c SET n = n + 1;
  SELECT CASE WHEN 1 THEN 2 END;
END;
COMMIT;
CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
BEGIN IMMEDIATE;
END;`
    expect(texts(sql)).toEqual([
      'BEGIN',
      'CREATE TRIGGER trg AFTER INSERT ON t BEGIN\n  UPDATE c SET n = n + 1;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND',
      'COMMIT',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END',
      'BEGIN IMMEDIATE',
      'END',
    ])
  })

  it('keeps MySQL routines with IF/LOOP/CASE statements whole without DELIMITER', () => {
    const sql = `CREATE PROCEDURE p() BEGIN
  DECLARE i INT DEFAULT 0;
  l: LOOP SET i = i + 1; IF i > 3 THEN LEAVE l; END IF; END LOOP;
  CASE i WHEN 4 THEN SELECT 1; ELSE SELECT 2; END CASE;
  WHILE i > 0 DO SET i = i - 1; END WHILE;
END;
SELECT 1;`
    const out = texts(sql, mysql)
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/END WHILE;\nEND$/)
  })

  it('keeps ; inside parentheses (PostgreSQL rules with several actions)', () => {
    expect(texts('create rule r as on insert to t do also (insert into a values (1); insert into b values (2)); select 1')).toEqual([
      'create rule r as on insert to t do also (insert into a values (1); insert into b values (2))',
      'select 1',
    ])
  })

  it('understands MySQL DELIMITER, # comments, backslashes and executable comments', () => {
    const sql = `DELIMITER $$
CREATE PROCEDURE p() BEGIN SELECT 'a\\';'; SELECT "b\\";"; END$$
DELIMITER //
CREATE FUNCTION f() RETURNS INT RETURN 1 //
delimiter ;
# a comment; here
SELECT 1--1;
/*!40101 SET NAMES utf8mb4 */;
/* plain; comment */ SELECT \`a;b\` FROM t;`
    expect(texts(sql, mysql)).toEqual([
      `CREATE PROCEDURE p() BEGIN SELECT 'a\\';'; SELECT "b\\";"; END`,
      'CREATE FUNCTION f() RETURNS INT RETURN 1',
      'SELECT 1--1',
      '/*!40101 SET NAMES utf8mb4 */',
      'SELECT `a;b` FROM t',
    ])
  })

  it('does not treat $$ as a dollar quote on MySQL', () => {
    expect(texts(`DELIMITER $$\nSELECT 1$$\nSELECT 2 $$`, mysql)).toEqual(['SELECT 1', 'SELECT 2'])
  })

  it('without backslash escapes (NO_BACKSLASH_ESCAPES) a backslash ends nothing', () => {
    expect(texts(`SELECT 'a\\'; SELECT 2`, { delimiterCommand: true })).toEqual([`SELECT 'a\\'`, 'SELECT 2'])
  })

  it('reports the line and offset of each statement, after leading comments', () => {
    const sql = '-- header\n\nselect 1;\n/* c\n */ select\n2;'
    expect(splitStatements(sql, {}, 10)).toEqual([
      { sql: 'select 1', line: 12, offset: 11 },
      { sql: 'select\n2', line: 14, offset: sql.indexOf('select\n2') },
    ])
  })

  it('counts lines inside strings, comments and dollar bodies', () => {
    const sql = "select 'a\nb';\n/* x\ny */\nselect $$\n\n$$;\nselect 3"
    expect(splitStatements(sql).map((s) => s.line)).toEqual([1, 5, 8])
  })

  it('returns the tail of an unterminated string as one statement', () => {
    expect(texts("select 1; select 'oops")).toEqual(['select 1', "select 'oops"])
  })
})

describe('SqlSplitter (incremental)', () => {
  const samples = [
    `select 'a;b', E'c\\';d' from t; create function f() returns int as $x$ select 1; $x$ language sql;\nBEGIN;\n/* a /* b */ c */ select 1 -- z\n; END;`,
    `DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 'a\\';'; END$$\nDELIMITER ;\n# c;\nSELECT 1;`,
    `CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET c = CASE WHEN 1 THEN 2 END; END; select 2`,
  ]
  for (const [k, sql] of samples.entries()) {
    it(`gives the same statements whatever the chunk size (sample ${k + 1})`, () => {
      const options = k === 1 ? mysql : {}
      const whole = splitStatements(sql, options)
      for (const size of [1, 2, 3, 5, 8, 13]) {
        const sp = new SqlSplitter(options)
        const out = []
        for (let i = 0; i < sql.length; i += size) out.push(...sp.push(sql.slice(i, i + size)))
        out.push(...sp.end())
        expect(out, `chunk size ${size}`).toEqual(whole)
      }
    })
  }

  it('emits statements as soon as they are terminated', () => {
    const sp = new SqlSplitter()
    expect(sp.push('select 1; sel')).toEqual([{ sql: 'select 1', line: 1, offset: 0 }])
    expect(sp.push('ect 2')).toEqual([])
    expect(sp.end()).toEqual([{ sql: 'select 2', line: 1, offset: 10 }])
  })

  it('streams a large file without holding it (bounded buffer)', async () => {
    const statement = `INSERT INTO t VALUES (1, 'some text; with a semicolon');\n`
    const count = 20_000
    let produced = 0
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < count; i += 100) yield Buffer.from(statement.repeat(100))
      })(),
    )
    let maxBuffered = 0
    const sp = new SqlSplitter()
    const probe = sp as unknown as { buf: string }
    for await (const chunk of source) {
      produced += sp.push(String(chunk)).length
      maxBuffered = Math.max(maxBuffered, probe.buf.length)
    }
    produced += sp.end().length
    expect(produced).toBe(count)
    expect(maxBuffered).toBeLessThan(statement.length * 2)
    let streamed = 0
    let lastLine = 0
    for await (const st of splitStream(Readable.from([statement.repeat(50), statement.repeat(50)]))) {
      streamed++
      lastLine = st.line
    }
    expect(streamed).toBe(100)
    expect(lastLine).toBe(100)
  })

  it('decodes multi-byte characters cut between chunks', async () => {
    const bytes = Buffer.from("select 'ü;é'; select 2")
    const chunks = [...bytes].map((b) => Buffer.from([b]))
    const out = []
    for await (const st of splitStream(Readable.from(chunks))) out.push(st.sql)
    expect(out).toEqual(["select 'ü;é'", 'select 2'])
  })
})

describe('identifiers named like block keywords, and quoted delimiters', () => {
  it('a column named begin, end or case opens no block (every dialect)', () => {
    for (const options of [{}, mysql]) {
      expect(texts('create table t2(begin int);\ninsert into t2 values (1);', options)).toEqual(['create table t2(begin int)', 'insert into t2 values (1)'])
      expect(texts('create table t3(a int, end int, `case` int);\nselect begin, end from t3;\nselect t3.begin from t3;', options)).toEqual([
        'create table t3(a int, end int, `case` int)',
        'select begin, end from t3',
        'select t3.begin from t3',
      ])
    }
  })

  it('inside a trigger body, begin/end/case columns do not close or open the block; CASE ... END still does', () => {
    const sql = 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET end = 1, case = 2 WHERE begin = 2; SELECT CASE WHEN 1 THEN 2 END; END;\nselect 1;'
    expect(texts(sql)).toEqual([sql.split('\n')[0]!.slice(0, -1), 'select 1'])
  })

  it('delimiter \'X\' and delimiter "X" strip the quotes, as the mysql client does', () => {
    const sql = 'delimiter \'$$\'\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\ndelimiter ";"\nselect 2;\nDELIMITER // trailing words\nselect 3//'
    expect(texts(sql, mysql)).toEqual(['CREATE PROCEDURE p() BEGIN SELECT 1; END', 'select 2', 'select 3'])
  })
})
