import { DEFAULT_MIGRATION_TABLE, Migrator, type Kysely } from 'kysely';
import type { Database } from './database';
import { migrationProvider } from './migrations';

export class MigrationError extends Error {
  constructor(readonly migration: string | undefined, cause: unknown) {
    super(`Migration ${migration ?? '(setup)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

function migrator(database: Database): Migrator {
  return new Migrator({
    db: database.db as Kysely<unknown>,
    provider: migrationProvider(database.dialect),
    // Named explicitly: otherwise the migrator takes another schema's migration table (another tenant's
    // database in the same cluster, another test's schema) for its own.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
}

/**
 * Applies every pending migration and returns their names. Safe to run twice and from several processes at
 * once: the migrator holds an advisory lock on PostgreSQL and a lock file on SQLite (see database.ts).
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const { error, results } = await database.withMigrationLock(() => migrator(database).migrateToLatest());
  if (error) throw new MigrationError(results?.find((r) => r.status === 'Error')?.migrationName, error);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Which migrations the database has: `applied` and `pending` of those this code knows, and `unknown`, applied
 * ones this code does not know (a newer version migrated the database; this one's migrator refuses to start).
 * Reads only: nothing is created, not even the migration table.
 */
export async function migrationStatus(database: Database): Promise<{ applied: string[]; pending: string[]; unknown: string[] }> {
  const known = await migrator(database).getMigrations();
  const db = database.db as Kysely<Record<string, { name: string }>>;
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const hasTable = tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE && (database.schema === undefined || t.schema === database.schema));
  const recorded = hasTable ? await (database.schema ? db.withSchema(database.schema) : db).selectFrom(DEFAULT_MIGRATION_TABLE).select('name').execute() : [];
  const knownNames = new Set(known.map((m) => m.name));
  return {
    applied: known.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: known.filter((m) => m.executedAt === undefined).map((m) => m.name),
    unknown: recorded.map((r) => r.name).filter((name) => !knownNames.has(name)).sort(),
  };
}

/** Names of migrations known to the code but not yet applied to the database. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const all = await migrator(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

