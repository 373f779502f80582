import type {
  CheckConstraint,
  Column,
  EnumType,
  Extension,
  ForeignKey,
  Index,
  PrimaryKey,
  Routine,
  SchemaObject,
  Sequence,
  Table,
  Trigger,
  UniqueConstraint,
  View,
} from './model.js'

/** A table constraint, tagged by kind. */
export type Constraint =
  | { kind: 'primary'; constraint: PrimaryKey }
  | { kind: 'unique'; constraint: UniqueConstraint }
  | { kind: 'check'; constraint: CheckConstraint }
  | { kind: 'foreign'; constraint: ForeignKey }

/** One schema change. `table` is the table as it is after the change (before it for drops). */
export type ChangeBody =
  | { kind: 'create_schema'; name: string }
  | { kind: 'drop_schema'; name: string }
  | { kind: 'create_extension'; extension: Extension }
  | { kind: 'drop_extension'; extension: Extension }
  | { kind: 'create_enum'; enum: EnumType }
  | { kind: 'drop_enum'; enum: EnumType }
  | { kind: 'add_enum_value'; enum: EnumType; value: string; before?: string }
  | { kind: 'create_sequence'; sequence: Sequence }
  | { kind: 'drop_sequence'; sequence: Sequence }
  | { kind: 'alter_sequence'; from: Sequence; to: Sequence }
  | { kind: 'create_table'; table: Table }
  | { kind: 'drop_table'; table: Table }
  | { kind: 'add_column'; table: Table; column: Column; after?: string }
  | { kind: 'drop_column'; table: Table; column: Column }
  | { kind: 'alter_column'; table: Table; from: Column; to: Column; move?: { after?: string } }
  | { kind: 'add_constraint'; table: Table; constraint: Constraint }
  | { kind: 'drop_constraint'; table: Table; constraint: Constraint }
  | { kind: 'add_index'; table: Table; index: Index }
  | { kind: 'drop_index'; table: Table; index: Index }
  | { kind: 'set_table_comment'; table: Table; from?: string; to?: string }
  | { kind: 'alter_table_options'; table: Table; from?: string; to?: string }
  | { kind: 'create_view'; view: View }
  | { kind: 'drop_view'; view: View }
  | { kind: 'create_routine'; routine: Routine; replaces?: Routine }
  | { kind: 'drop_routine'; routine: Routine }
  | { kind: 'create_trigger'; trigger: Trigger }
  | { kind: 'drop_trigger'; trigger: Trigger }
  | { kind: 'create_object'; object: SchemaObject }
  | { kind: 'drop_object'; object: SchemaObject }

/** Kinds of change. */
export type ChangeKind = ChangeBody['kind']

/** A change with what the diff engine worked out about it. */
export type Change = ChangeBody & {
  /** Loses data or may fail on existing data (drop table/column, narrowing a type). */
  destructive: boolean
  /** One summary line: `+ ADD COLUMN users.phone varchar(20)`. */
  summary: string
  /** Data-migration hints and rename suggestions, written as SQL comments before the statement. */
  hints: string[]
}
