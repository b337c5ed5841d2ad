import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openDatabase, ping, type Database, type DatabaseTarget } from './database';
import { migrationStatus } from './migrate';
import type { DB } from './schema';

/**
 * The database as an operator's check sees it (npm run doctor): whether it is there, answers, and carries
 * exactly the migrations this code knows. Unlike Store.open it changes nothing: no file is created, no mode is
 * set, no migration runs, so what it reports is what the next server start will find.
 */
export type DatabaseStatus =
  | { state: 'missing'; file: string }
  | { state: 'present'; applied: string[]; pending: string[]; unknown: string[] };

export async function inspectDatabase(target: DatabaseTarget): Promise<DatabaseStatus> {
  if (target.kind === 'sqlite' && target.file !== ':memory:' && !fs.existsSync(target.file)) return { state: 'missing', file: target.file };
  const database = target.kind === 'sqlite' ? openSqliteReadOnly(target.file) : await openDatabase(target);
  try {
    await ping(database.db);
    return { state: 'present', ...(await migrationStatus(database)) };
  } finally {
    await database.close();
  }
}

/** Read-only: a missing -wal or -shm is made by SQLite itself with the database file's own mode; nothing else is written. */
function openSqliteReadOnly(file: string): Database {
  const connection = new SQLite(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: connection }) });
  return { db, dialect: 'sqlite', withMigrationLock: (work) => work(), close: () => db.destroy() };
}
