import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { ensureParentDirectory, PRIVATE_FILE_MODE } from '../private-files';
import { holdDatabaseExclusively, holdDatabaseInUse, lockFileOf } from './database-lock';
import { migrationProvider } from './migrations';

/**
 * Backup and restore of the SQLite database (npm run backup / restore). A backup is SQLite's online backup
 * of the live file: a consistent snapshot taken while the server writes, without stopping it and without
 * running migrations on it. A restore replaces the database of a data folder that no process uses, keeping
 * the old one beside it. PostgreSQL has pg_dump and pg_restore for this (docs/operations.md).
 */

export type BackupErrorCode =
  /** The destination exists and --force was not given. */
  | 'file_exists'
  /** The data folder has no database to back up. */
  | 'no_database'
  /** The file to restore from does not exist. */
  | 'backup_not_found'
  /** The file is no SQLite database, or none of Relaydesk's (no migration table). */
  | 'not_a_backup'
  /** SQLite's check of the file failed. */
  | 'backup_damaged'
  /** Migrations this code does not know: a newer Relaydesk wrote it. */
  | 'backup_newer';

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** What a backup file holds, as a restore and the operator see it. */
export interface BackupContents {
  bytes: number;
  /** The newest migration applied to it. */
  migration: string;
  mailboxes: number;
  tickets: number;
  /** Inbound and outbound mail recorded. */
  mailRecords: number;
}

/** Kysely's table of applied migrations. */
const MIGRATION_TABLE = 'kysely_migration';

/** Pages per step of the online backup: all of them, so that the copy is one read transaction. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the live database `databaseFile` to `destination` (owner-only), consistently while other processes
 * write to it. An existing destination is replaced only with `force`.
 *
 * One backup step copies every page inside one read transaction: in WAL mode it sees one snapshot and does
 * not hold up the server's writers. (Smaller steps would be restarted by every write the server commits in
 * between, and a busy server might never let a large backup finish.)
 */
export async function backupSqlite(databaseFile: string, destination: string, options: { force?: boolean } = {}): Promise<BackupContents> {
  if (!fs.existsSync(databaseFile)) throw new BackupError('no_database', `There is no database at ${databaseFile}`);
  if (!options.force && fs.existsSync(destination)) throw new BackupError('file_exists', `${destination} exists: choose another file, or pass --force to replace it`);
  // Shared, as a server's: waits while a restore replaces the file, never stops a server.
  const inUse = holdDatabaseInUse(databaseFile);
  const partial = `${destination}.partial-${process.pid}`;
  try {
    // Created owner-only before a byte is written: the copy holds every ticket and the sealed mailbox tokens.
    fs.closeSync(fs.openSync(partial, 'wx', PRIVATE_FILE_MODE));
    // Read-only: a backup never migrates nor otherwise writes to the database of a running server.
    const source = new SQLite(databaseFile, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      await source.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    // The copy inherits WAL mode; a backup is one file, readable without -wal and -shm beside it.
    const copy = new SQLite(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fs.chmodSync(partial, PRIVATE_FILE_MODE);
    const contents = await inspectBackup(partial);
    syncFile(partial);
    if (options.force) fs.renameSync(partial, destination);
    else {
      // A link fails when the name was taken meanwhile, where a rename would silently replace it.
      try {
        fs.linkSync(partial, destination);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError('file_exists', `${destination} exists: choose another file, or pass --force to replace it`);
        throw error;
      }
      fs.rmSync(partial);
    }
    syncDirectory(path.dirname(destination));
    return contents;
  } finally {
    fs.rmSync(partial, { force: true });
    removeSideFiles(partial);
    inUse.release();
  }
}

export interface RestoreResult {
  contents: BackupContents;
  /** Where the database that was replaced was kept, if there was one. */
  keptAs: string | null;
}

/**
 * Replaces `databaseFile` with a copy of `backupFile`, while no process has it open (else a
 * DatabaseLockError `in_use`; the exclusive lock also keeps servers from starting until the restore is done).
 * The copy is checked, migrated and prepared by `prepare` (given the copy's path: open it, adjust it, close
 * it) before it takes the database's place in one rename; the old database is kept as
 * `<database>.<time>.before-restore`.
 */
export async function restoreSqlite(backupFile: string, databaseFile: string, prepare: (copy: string) => Promise<void>, now = new Date()): Promise<RestoreResult> {
  if (!fs.existsSync(backupFile) || !fs.statSync(backupFile).isFile()) throw new BackupError('backup_not_found', `There is no file at ${backupFile}`);
  ensureParentDirectory(path.dirname(databaseFile));
  const exclusive = holdDatabaseExclusively(databaseFile);
  const copy = `${databaseFile}.restoring-${process.pid}`;
  try {
    fs.copyFileSync(backupFile, copy);
    fs.chmodSync(copy, PRIVATE_FILE_MODE);
    // The copy is checked, not the operator's file: opening that could leave -wal and -shm files beside it.
    const contents = await inspectBackup(copy, backupFile);
    await prepare(copy);
    removeSideFiles(copy);
    contents.bytes = fs.statSync(copy).size;
    syncFile(copy);

    let keptAs: string | null = null;
    if (fs.existsSync(databaseFile) && fs.statSync(databaseFile).size > 0) {
      foldWal(databaseFile);
      keptAs = `${databaseFile}.${now.toISOString().replace(/[:.]/g, '-')}.before-restore`;
      // A second name for the old file: the rename below then replaces the database in one step, and a
      // crash in between leaves either database whole.
      fs.linkSync(databaseFile, keptAs);
    }
    fs.rmSync(`${databaseFile}-shm`, { force: true });
    fs.renameSync(copy, databaseFile);
    syncDirectory(path.dirname(databaseFile));
    return { contents, keptAs };
  } finally {
    fs.rmSync(copy, { force: true });
    removeSideFiles(copy);
    exclusive.release();
  }
}

/**
 * Checks that `file` is a whole SQLite database of Relaydesk's that this code can run on, and says what it
 * holds; errors call it `name` (the operator's file, when `file` is a copy of it).
 */
export async function inspectBackup(file: string, name = file): Promise<BackupContents> {
  // The names are the same for both dialects; only the DDL differs.
  const known = new Set(Object.keys(await migrationProvider('sqlite').getMigrations()));
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError('not_a_backup', `${name} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    let check: string;
    try {
      check = String(db.pragma('quick_check', { simple: true }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new BackupError('not_a_backup', `${name} is not a SQLite database`);
      throw new BackupError('backup_damaged', `${name} failed SQLite's check: ${(error as Error).message}`);
    }
    if (check !== 'ok') throw new BackupError('backup_damaged', `${name} failed SQLite's check: ${check}`);
    const hasTable = db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(MIGRATION_TABLE) !== undefined;
    if (!hasTable) throw new BackupError('not_a_backup', `${name} is a SQLite database, but not Relaydesk's (it has no ${MIGRATION_TABLE} table)`);
    const applied = (db.prepare(`select name from ${MIGRATION_TABLE} order by name`).all() as { name: string }[]).map((r) => r.name);
    const unknown = applied.filter((name) => !known.has(name));
    if (unknown.length > 0) throw new BackupError('backup_newer', `${name} was written by a newer Relaydesk (migrations ${unknown.join(', ')}): upgrade before restoring it`);
    if (applied.length === 0) throw new BackupError('not_a_backup', `${name} has Relaydesk's migration table, but no migration was ever applied`);
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return { bytes: fs.statSync(file).size, migration: applied.at(-1)!, mailboxes: count('mailboxes'), tickets: count('tickets'), mailRecords: count('mail_messages') };
  } finally {
    db.close();
  }
}

/**
 * Folds the old database's WAL into its file, so the file alone is the whole database before it is moved
 * aside. Closing the last connection checkpoints and removes the WAL; the exclusive lock says no other is open.
 */
function foldWal(databaseFile: string): void {
  const db = new SQLite(databaseFile, { fileMustExist: true, timeout: 5000 });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const wal = `${databaseFile}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) throw new Error(`${wal} still holds changes after a checkpoint: is a process using the database?`);
  fs.rmSync(wal, { force: true });
}

/** What opening a copy leaves beside it: SQLite's WAL and shared memory, our lock files. */
function removeSideFiles(file: string): void {
  for (const side of [`${file}-wal`, `${file}-shm`, lockFileOf(file), `${file}.migration-lock`]) fs.rmSync(side, { force: true });
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename in `dir` durable; some platforms cannot open a directory, and then there is nothing to do. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory: the rename is as durable as it gets there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
