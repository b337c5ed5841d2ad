import type { CreateTableBuilder } from 'kysely';

export type DialectKind = 'sqlite' | 'postgres';

/**
 * The few column shapes that differ between SQLite and PostgreSQL. Everything else in the migrations is
 * plain, portable DDL.
 */
export function columns(dialect: DialectKind) {
  return {
    /** Adds an auto-increment integer primary key named `id`. */
    id<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
      return dialect === 'sqlite'
        ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'serial', (c) => c.primaryKey());
    },
    bytes: dialect === 'sqlite' ? ('blob' as const) : ('bytea' as const),
  };
}
