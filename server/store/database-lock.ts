import SQLite from 'better-sqlite3';
import { ensurePrivateFile } from '../private-files';

/**
 * Who uses a SQLite database file, told by a lock on a side file (`relaydesk.db.lock`): every process that
 * opens the database (servers, CLIs, several instances at once) holds a shared lock on it for as long as it
 * has the database open, and a restore, which replaces the file, needs the exclusive one.
 *
 * The locks are SQLite's own (POSIX advisory locks on Unix, LockFileEx on Windows): a read transaction left
 * open holds SHARED, BEGIN EXCLUSIVE needs everyone else gone. The operating system drops them when the
 * holder dies, so a crashed server never leaves the folder locked, and there is no pid that a later process
 * could reuse. The side file holds no data; it must stay in rollback-journal mode (WAL readers take no
 * SHARED lock on the file).
 */

/** How long a process opening the database waits for a restore to finish before it gives up. */
export const IN_USE_WAIT_MS = 10_000;

export class DatabaseLockError extends Error {
  /** `in_use`: another process has the database open; `restoring`: a restore holds it. */
  constructor(
    readonly code: 'in_use' | 'restoring',
    readonly lockFile: string,
  ) {
    super(code === 'in_use' ? `The database is in use (a server or a CLI holds ${lockFile}): stop it first` : `A restore is replacing the database (it holds ${lockFile}): wait for it to finish`);
    this.name = 'DatabaseLockError';
  }
}

export interface HeldLock {
  release(): void;
}

export function lockFileOf(databaseFile: string): string {
  return `${databaseFile}.lock`;
}

/** The shared lock that every process holds while it has `databaseFile` open; waits up to `waitMs` for a restore. */
export function holdDatabaseInUse(databaseFile: string, waitMs = IN_USE_WAIT_MS): HeldLock {
  const lockFile = lockFileOf(databaseFile);
  const lock = openLock(lockFile, waitMs);
  try {
    lock.exec('BEGIN');
    // The first read of the transaction takes SHARED, kept until COMMIT.
    lock.prepare('select count(*) from sqlite_master').get();
  } catch (error) {
    lock.close();
    if (isBusy(error)) throw new DatabaseLockError('restoring', lockFile);
    throw error;
  }
  return { release: () => release(lock) };
}

/** The exclusive lock a restore holds while it replaces `databaseFile`; throws at once when anyone uses it. */
export function holdDatabaseExclusively(databaseFile: string): HeldLock {
  const lockFile = lockFileOf(databaseFile);
  const lock = openLock(lockFile, 0);
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if (isBusy(error)) throw new DatabaseLockError('in_use', lockFile);
    throw error;
  }
  return { release: () => release(lock) };
}

function openLock(lockFile: string, waitMs: number): SQLite.Database {
  ensurePrivateFile(lockFile);
  const lock = new SQLite(lockFile);
  lock.pragma(`busy_timeout = ${waitMs}`);
  return lock;
}

function release(lock: SQLite.Database): void {
  if (!lock.open) return;
  if (lock.inTransaction) lock.exec('COMMIT');
  lock.close();
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
