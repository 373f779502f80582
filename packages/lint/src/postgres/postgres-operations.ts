import type { Operation } from '../operations.js'
import type { TableName } from '../types.js'

// A node of PostgreSQL's parse tree as libpg-query returns it: JSON, `{ NodeType: { fields } }`.
// biome-ignore lint/suspicious/noExplicitAny: the tree is untyped JSON; each use below checks the shape it reads
type Node = any

/** Functions known not to be volatile: a default calling only these is evaluated once, without a rewrite. */
const NON_VOLATILE = new Set([
  'now',
  'statement_timestamp',
  'transaction_timestamp',
  'current_setting',
  'current_database',
  'current_schema',
  'lower',
  'upper',
  'length',
  'concat',
  'concat_ws',
  'replace',
  'substring',
  'trim',
  'btrim',
  'to_char',
  'to_date',
  'to_timestamp',
  'to_json',
  'to_jsonb',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'array_fill',
  'make_date',
  'make_interval',
  'date_trunc',
  'abs',
  'round',
  'greatest',
  'least',
])

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial'])

/** Constraints that build an index of their own (unless `USING INDEX` names one built before). */
const INDEX_CONSTRAINTS: Record<string, string> = { CONSTR_PRIMARY: 'ADD PRIMARY KEY', CONSTR_UNIQUE: 'ADD UNIQUE', CONSTR_EXCLUSION: 'ADD EXCLUDE' }

/** ALTER TABLE subcommands that write the table again. */
const REWRITING_COMMANDS: Record<string, string> = { AT_SetTableSpace: 'SET TABLESPACE', AT_SetLogged: 'SET LOGGED', AT_SetUnLogged: 'SET UNLOGGED' }

/** Statements whose CONCURRENTLY form PostgreSQL refuses inside a transaction block. */
function concurrentlyOp(what: string): Operation {
  return { kind: 'concurrently', what }
}

function table(relation: Node): TableName {
  return relation.schemaname ? { schema: relation.schemaname, name: relation.relname } : { name: relation.relname }
}

/** `a.b.c` name lists (`[{ String: { sval } }]`) as their parts. */
function nameParts(list: Node): string[] {
  return (list ?? []).map((item: Node) => item?.String?.sval).filter((part: unknown): part is string => typeof part === 'string')
}

function tableFromList(list: Node): TableName {
  const parts = nameParts(list)
  const name = parts[parts.length - 1] ?? '?'
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name }
}

/** Every function a default expression calls, lower-cased (without schema). */
function calledFunctions(expr: Node, out: string[] = []): string[] {
  if (Array.isArray(expr)) {
    for (const item of expr) calledFunctions(item, out)
  } else if (expr && typeof expr === 'object') {
    for (const [key, value] of Object.entries(expr)) {
      if (key === 'FuncCall') {
        const parts = nameParts((value as Node).funcname)
        if (parts.length) out.push(parts[parts.length - 1]!.toLowerCase())
      }
      calledFunctions(value, out)
    }
  }
  return out
}

/** Why adding this column rewrites the table, or undefined when it does not. */
function addColumnRewrite(column: Node): string | undefined {
  const typeParts = nameParts(column.typeName?.names)
  const typeName = typeParts[typeParts.length - 1]?.toLowerCase()
  if (typeName && SERIAL_TYPES.has(typeName)) return `its type ${typeName} fills every row from a sequence`
  for (const item of column.constraints ?? []) {
    const constraint = item.Constraint
    if (!constraint) continue
    if (constraint.contype === 'CONSTR_IDENTITY') return 'an identity column fills every row from a sequence'
    if (constraint.contype === 'CONSTR_GENERATED' && constraint.generated_kind !== 'v') return 'a stored generated column is computed for every row'
    if (constraint.contype === 'CONSTR_DEFAULT') {
      const volatile = calledFunctions(constraint.raw_expr).filter((fn) => !NON_VOLATILE.has(fn))
      if (volatile.length) return `its default calls ${volatile[0]}(), which is volatile (or not known to be stable), so every row gets its own value`
    }
  }
  return undefined
}

/** What one ALTER TABLE subcommand does to `target`. */
function alterTableCommand(target: TableName, command: Node, ops: Operation[]): void {
  const column: string = command.name ?? ''
  switch (command.subtype) {
    case 'AT_AddColumn': {
      const def = command.def?.ColumnDef
      if (!def) return
      const why = addColumnRewrite(def)
      if (why) ops.push({ kind: 'rewrite', table: target, what: `ADD COLUMN ${def.colname}`, reason: why })
      for (const item of def.constraints ?? []) {
        const contype = item.Constraint?.contype
        if (contype === 'CONSTR_FOREIGN' || contype === 'CONSTR_CHECK')
          ops.push({ kind: 'add-constraint', table: target, constraint: contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check', notValid: false })
      }
      return
    }
    case 'AT_AddConstraint': {
      const constraint = command.def?.Constraint
      if (!constraint) return
      if (constraint.contype === 'CONSTR_FOREIGN' || constraint.contype === 'CONSTR_CHECK')
        ops.push({
          kind: 'add-constraint',
          table: target,
          constraint: constraint.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check',
          notValid: constraint.skip_validation === true,
          name: constraint.conname,
        })
      if (INDEX_CONSTRAINTS[constraint.contype] && !constraint.indexname)
        ops.push({ kind: 'build-index', table: target, concurrently: false, what: INDEX_CONSTRAINTS[constraint.contype]! })
      return
    }
    case 'AT_SetNotNull':
      ops.push({ kind: 'set-not-null', table: target, column })
      return
    case 'AT_AlterColumnType':
      ops.push({
        kind: 'rewrite',
        table: target,
        what: `ALTER COLUMN ${column} TYPE`,
        reason: 'every row and index is rewritten unless the old type converts without one (varchar(n) to a longer varchar or text)',
      })
      return
    case 'AT_SetTableSpace':
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      ops.push({ kind: 'rewrite', table: target, what: REWRITING_COMMANDS[command.subtype]!, reason: 'every row and index is written again' })
      return
    case 'AT_DropColumn':
      ops.push({ kind: 'drop-column', table: target, column })
      return
    case 'AT_DetachPartition':
      if (command.def?.PartitionCmd?.concurrent) ops.push(concurrentlyOp('ALTER TABLE ... DETACH PARTITION CONCURRENTLY'))
      return
  }
}

/** Subcommands that take no lock blocking readers or writers (SHARE UPDATE EXCLUSIVE at most). */
const WEAK_LOCK_COMMANDS = new Set(['AT_ValidateConstraint', 'AT_SetStatistics', 'AT_SetOptions', 'AT_ResetOptions', 'AT_ClusterOn', 'AT_DropCluster'])

function alterTable(stmt: Node): Operation[] {
  if (stmt.objtype !== 'OBJECT_TABLE' || !stmt.relation) return []
  const target = table(stmt.relation)
  const ops: Operation[] = []
  const commands: Node[] = (stmt.cmds ?? []).map((item: Node) => item.AlterTableCmd).filter(Boolean)
  for (const command of commands) alterTableCommand(target, command, ops)
  const concurrentDetach = commands.some((command) => command.subtype === 'AT_DetachPartition' && command.def?.PartitionCmd?.concurrent)
  if (!concurrentDetach && commands.some((command) => !WEAK_LOCK_COMMANDS.has(command.subtype)))
    ops.push({ kind: 'lock-table', table: target, what: 'ALTER TABLE' })
  return ops
}

/**
 * What a parsed statement does (see {@link Operation}). `raw` is one entry of libpg-query's
 * `stmts[].stmt`: `{ IndexStmt: {...} }`, `{ AlterTableStmt: {...} }`...
 */
export function statementOperations(raw: Node): Operation[] {
  const [type, stmt] = (Object.entries(raw ?? {})[0] ?? []) as [string | undefined, Node]
  switch (type) {
    case 'CreateStmt':
      return [{ kind: 'create-table', table: table(stmt.relation) }]
    case 'CreateTableAsStmt':
      return stmt.objtype === 'OBJECT_TABLE' && stmt.into?.rel ? [{ kind: 'create-table', table: table(stmt.into.rel) }] : []
    case 'IndexStmt': {
      const target = table(stmt.relation)
      const ops: Operation[] = [{ kind: 'build-index', table: target, concurrently: stmt.concurrent === true, what: 'CREATE INDEX' }]
      if (stmt.concurrent) ops.push(concurrentlyOp('CREATE INDEX CONCURRENTLY'))
      else ops.push({ kind: 'lock-table', table: target, what: 'CREATE INDEX' })
      return ops
    }
    case 'DropStmt': {
      const objects: Node[] = (stmt.objects ?? []).map((item: Node) => item.List?.items)
      if (stmt.removeType === 'OBJECT_TABLE')
        return objects.flatMap((items): Operation[] => {
          const target = tableFromList(items)
          return [
            { kind: 'drop-table', table: target },
            { kind: 'lock-table', table: target, what: 'DROP TABLE' },
          ]
        })
      if (stmt.removeType === 'OBJECT_INDEX') {
        const ops: Operation[] = [{ kind: 'drop-index', concurrently: stmt.concurrent === true }]
        if (stmt.concurrent) ops.push(concurrentlyOp('DROP INDEX CONCURRENTLY'))
        return ops
      }
      return []
    }
    case 'AlterTableStmt':
      return alterTable(stmt)
    case 'RenameStmt': {
      if (!stmt.relation || (stmt.renameType !== 'OBJECT_TABLE' && stmt.renameType !== 'OBJECT_COLUMN')) return []
      const target = table(stmt.relation)
      return [
        { kind: 'rename', table: target, column: stmt.renameType === 'OBJECT_COLUMN' ? stmt.subname : undefined, to: stmt.newname },
        { kind: 'lock-table', table: target, what: 'ALTER TABLE ... RENAME' },
      ]
    }
    case 'ReindexStmt':
      return (stmt.params ?? []).some((item: Node) => item.DefElem?.defname === 'concurrently') ? [concurrentlyOp('REINDEX CONCURRENTLY')] : []
    case 'ClusterStmt':
      return stmt.relation ? [{ kind: 'rewrite', table: table(stmt.relation), what: 'CLUSTER', reason: 'the table is written again in index order' }] : []
    case 'VacuumStmt': {
      const full = stmt.is_vacuumcmd && (stmt.options ?? []).some((item: Node) => item.DefElem?.defname === 'full')
      if (!full) return []
      return (stmt.rels ?? []).map(
        (item: Node): Operation => ({ kind: 'rewrite', table: table(item.VacuumRelation.relation), what: 'VACUUM FULL', reason: 'the table is written again' }),
      )
    }
    case 'CreateTrigStmt':
      return stmt.relation ? [{ kind: 'lock-table', table: table(stmt.relation), what: 'CREATE TRIGGER' }] : []
    case 'TruncateStmt':
      return (stmt.relations ?? []).map((item: Node): Operation => ({ kind: 'lock-table', table: table(item.RangeVar), what: 'TRUNCATE' }))
    case 'VariableSetStmt':
      return timeoutSetting(stmt)
    default:
      return []
  }
}

/** `SET [LOCAL] lock_timeout|statement_timeout = <not zero>`. */
function timeoutSetting(stmt: Node): Operation[] {
  const name = String(stmt.name ?? '').toLowerCase()
  if (stmt.kind !== 'VAR_SET_VALUE' || (name !== 'lock_timeout' && name !== 'statement_timeout')) return []
  const value = stmt.args?.[0]?.A_Const
  const zero = value && (value.ival?.ival === undefined ? value.ival !== undefined : value.ival.ival === 0)
  const zeroText = typeof value?.sval?.sval === 'string' && /^\s*0+\s*(ms|s|min|h|d)?\s*$/i.test(value.sval.sval)
  return zero || zeroText ? [] : [{ kind: 'set-timeout', setting: name, local: stmt.is_local === true }]
}
