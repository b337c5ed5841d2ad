import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { ensureParentDirectory, ensurePrivateFile, makePrivateIfExists } from '../private-files';
import { holdDatabaseInUse } from './database-lock';
import type { DialectKind } from './dialect';
import type { DB } from './schema';
import { withStatementCache } from './statement-cache';

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  /** `schema`, when given, is created if missing and put first on the search path (tests isolate with it). */
  | { kind: 'postgres'; url: string; schema?: string };

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: DialectKind;
  /** PostgreSQL: the schema Relaydesk's tables live in (the first on the search path). */
  readonly schema?: string;
  /** Runs `work` while no other process migrates this database. */
  withMigrationLock<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const MIGRATION_LOCK_WAIT_MS = 60_000;

const PG_INT8_OID = 20;

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'sqlite') {
    const onDisk = target.file !== ':memory:';
    if (onDisk) {
      ensureParentDirectory(path.dirname(target.file));
      ensurePrivateFile(target.file);
    }
    // Held while the file is open, so that a restore refuses to replace it under us (database-lock.ts).
    const inUse = onDisk ? holdDatabaseInUse(target.file) : undefined;
    // Another process (a second instance, a migration) may hold the write lock briefly.
    const connection = new SQLite(target.file, { timeout: 5000 });
    try {
      await enableWal(connection);
    } catch (error) {
      connection.close();
      inUse?.release();
      throw error;
    }
    // SQLite makes the WAL and shared-memory files itself; they hold recent rows, so they get the same mode.
    if (onDisk) for (const suffix of ['-wal', '-shm']) makePrivateIfExists(`${target.file}${suffix}`);
    // SQLite's built-in lower() folds ASCII only, so 'Ärger' would never match a search for 'ärger'.
    connection.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
    connection.pragma('foreign_keys = ON');
    connection.pragma('synchronous = NORMAL');
    // Savepoints (one per ingested message) journal the pages they change; in memory, not a temp file.
    connection.pragma('temp_store = MEMORY');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
    const close = async () => {
      await db.destroy();
      inUse?.release();
    };
    return { db, dialect: 'sqlite', withMigrationLock: (work) => withSqliteFileLock(`${target.file}.migration-lock`, work), close };
  }

  if (target.schema) {
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists ${quoteIdentifier(target.schema)}`);
    } catch (error) {
      // `if not exists` can still lose a race with another process creating the same schema.
      if ((error as { code?: string }).code !== '23505') throw error;
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 10,
    ...(target.schema ? { options: `-c search_path=${quoteIdentifier(target.schema)}` } : {}),
    // count(*) and bigint come back as strings by default; our counts fit in a double.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let schema: string;
  try {
    schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? 'public';
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Kysely's migrator already serialises PostgreSQL migrations with an advisory lock.
  return { db, dialect: 'postgres', schema, withMigrationLock: (work) => work(), close: () => db.destroy() };
}

/**
 * Kysely's migrator takes no lock on SQLite, so two processes starting on one new database file would both
 * run the first migration. An exclusive transaction on a side file is a cross-process mutex that the
 * operating system releases if the holder dies.
 */
async function withSqliteFileLock<T>(lockFile: string, work: () => Promise<T>): Promise<T> {
  if (lockFile.startsWith(':memory:')) return work();
  ensurePrivateFile(lockFile);
  const lock = new SQLite(lockFile);
  try {
    lock.pragma(`busy_timeout = ${MIGRATION_LOCK_WAIT_MS}`);
    lock.exec('BEGIN EXCLUSIVE');
    try {
      return await work();
    } finally {
      lock.exec('COMMIT');
    }
  } finally {
    lock.close();
  }
}

/**
 * Switching a new file to WAL needs a moment of exclusive access, and SQLite answers a concurrent switch
 * with SQLITE_BUSY at once instead of waiting; retry briefly.
 */
async function enableWal(connection: SQLite.Database): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      connection.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 40));
    }
  }
}

/** A cheap round trip, for readiness checks. */
export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe schema name: ${name}`);
  return `"${name}"`;
}
