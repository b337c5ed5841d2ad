import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DatabaseLockError } from '../../../server/store/database-lock';
import { BackupError, backupSqlite, inspectBackup, restoreSqlite } from '../../../server/store/sqlite-backup';
import { Store } from '../../../server/store/store';

// npm run backup / restore on SQLite: a backup is a consistent, owner-only copy that never replaces a file by
// accident; a restore takes only a whole database of Relaydesk's that this code can run, never while the
// database is in use, and keeps the database it replaces.

let dir: string;
let live: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-backup-'));
  live = path.join(dir, 'data', 'relaydesk.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function codeOf(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    if (error instanceof BackupError || error instanceof DatabaseLockError) return error.code;
    throw error;
  }
  return undefined;
}

async function addresses(file: string): Promise<string[]> {
  const store = await Store.open({ kind: 'sqlite', file });
  try {
    return (await store.mailboxes.list()).map((m) => m.address);
  } finally {
    await store.close();
  }
}

describe('backupSqlite', () => {
  it('copies the database while it is open and written, owner-only, as one file', async () => {
    const store = await Store.open({ kind: 'sqlite', file: live });
    try {
      for (let i = 0; i < 20; i++) await store.mailboxes.insert(`m${i}@contoso.test`, null);
      const destination = path.join(dir, 'backup.db');
      // Writes go on while the backup runs: the copy is one snapshot, whatever it caught.
      let writing = true;
      const writes = (async () => {
        for (let i = 0; writing; i++) {
          await store.mailboxes.insert(`w${i}@contoso.test`, null);
          // SQLite answers at once here: yield to the backup's steps, as a server's requests do.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const contents = await backupSqlite(live, destination);
      writing = false;
      await writes;
      expect(fs.statSync(destination).mode & 0o777).toBe(0o600);
      // Readable on its own: no -wal or -shm of the copy, nor any partial file, is left beside it.
      expect(fs.readdirSync(dir).sort()).toEqual(['backup.db', 'data']);
      expect(contents).toMatchObject({ mailboxes: expect.any(Number), tickets: 0, migration: expect.stringMatching(/^\d{4}-/) });
      expect(contents.mailboxes).toBeGreaterThanOrEqual(20);
      expect(await inspectBackup(destination)).toEqual(contents);
    } finally {
      await store.close();
    }
  });

  it('refuses to replace an existing file unless forced', async () => {
    const store = await Store.open({ kind: 'sqlite', file: live });
    await store.mailboxes.insert('a@contoso.test', null);
    await store.close();
    const destination = path.join(dir, 'backup.db');
    fs.writeFileSync(destination, 'keep me');
    expect(await codeOf(() => backupSqlite(live, destination))).toBe('file_exists');
    expect(fs.readFileSync(destination, 'utf8')).toBe('keep me');
    await backupSqlite(live, destination, { force: true });
    expect(await addresses(destination)).toEqual(['a@contoso.test']);
  });

  it('refuses a data folder without a database', async () => {
    expect(await codeOf(() => backupSqlite(live, path.join(dir, 'backup.db')))).toBe('no_database');
  });
});

describe('restoreSqlite', () => {
  async function backupOf(mailboxes: string[]): Promise<string> {
    const file = path.join(dir, `source-${mailboxes.join('-')}.db`);
    const store = await Store.open({ kind: 'sqlite', file });
    for (const address of mailboxes) await store.mailboxes.insert(address, null);
    await store.close();
    const backup = path.join(dir, `backup-${mailboxes.join('-')}.db`);
    await backupSqlite(file, backup);
    return backup;
  }

  it('replaces the database with the prepared backup and keeps the old one', async () => {
    const backup = await backupOf(['restored@contoso.test']);
    const store = await Store.open({ kind: 'sqlite', file: live });
    await store.mailboxes.insert('old@contoso.test', null);
    await store.close();

    const result = await restoreSqlite(backup, live, async (copy) => {
      const prepared = await Store.open({ kind: 'sqlite', file: copy });
      await prepared.mailboxes.insert('prepared@contoso.test', null);
      await prepared.close();
    });
    expect(await addresses(live)).toEqual(['prepared@contoso.test', 'restored@contoso.test']);
    expect(result.keptAs).toMatch(/relaydesk\.db\..*\.before-restore$/);
    expect(await addresses(result.keptAs!)).toEqual(['old@contoso.test']);
    expect(fs.statSync(live).mode & 0o777).toBe(0o600);
    // The operator's backup is untouched: nothing opened it, nothing was left beside it.
    expect(await addresses(backup)).toEqual(['restored@contoso.test']);
  });

  it('restores into a fresh data folder', async () => {
    const backup = await backupOf(['restored@contoso.test']);
    const result = await restoreSqlite(backup, live, async () => undefined);
    expect(result.keptAs).toBeNull();
    expect(await addresses(live)).toEqual(['restored@contoso.test']);
  });

  it('refuses while the database is open, and changes nothing', async () => {
    const backup = await backupOf(['restored@contoso.test']);
    const store = await Store.open({ kind: 'sqlite', file: live });
    try {
      await store.mailboxes.insert('live@contoso.test', null);
      expect(await codeOf(() => restoreSqlite(backup, live, async () => undefined))).toBe('in_use');
      expect((await store.mailboxes.list()).map((m) => m.address)).toEqual(['live@contoso.test']);
    } finally {
      await store.close();
    }
    expect(fs.readdirSync(path.dirname(live)).filter((f) => f.includes('restoring') || f.includes('before-restore'))).toEqual([]);
  });

  it.each([
    ['a file that is not SQLite', 'not_a_backup', (file: string) => fs.writeFileSync(file, 'x'.repeat(8192))],
    [
      'a SQLite database of something else',
      'not_a_backup',
      (file: string) => {
        fs.rmSync(file);
        sqlite(file, (db) => db.exec('create table notes (body text)'));
      },
    ],
    [
      'a database a newer Relaydesk migrated',
      'backup_newer',
      (file: string) => sqlite(file, (db) => db.prepare(`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01')`).run()),
    ],
    [
      'a truncated database',
      'backup_damaged',
      (file: string) => {
        const size = fs.statSync(file).size;
        fs.truncateSync(file, Math.floor(size / 4096 / 2) * 4096);
      },
    ],
  ])('refuses %s (%s) and leaves the database as it was', async (_, code, spoil) => {
    const backup = await backupOf(['restored@contoso.test']);
    spoil(backup);
    const store = await Store.open({ kind: 'sqlite', file: live });
    await store.mailboxes.insert('live@contoso.test', null);
    await store.close();
    let prepared = false;
    expect(await codeOf(() => restoreSqlite(backup, live, async () => void (prepared = true)))).toBe(code);
    expect(prepared).toBe(false);
    expect(await addresses(live)).toEqual(['live@contoso.test']);
  });

  it('refuses a missing file', async () => {
    expect(await codeOf(() => restoreSqlite(path.join(dir, 'nowhere.db'), live, async () => undefined))).toBe('backup_not_found');
  });
});

function sqlite(file: string, work: (db: SQLite.Database) => void): void {
  const db = new SQLite(file);
  try {
    work(db);
  } finally {
    db.close();
  }
}
