import { Migrator, type Kysely } from 'kysely';
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

/** Names of migrations known to the code but not yet applied to the database. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const all = await migrator(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

