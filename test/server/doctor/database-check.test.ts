import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { checkDatabase } from '../../../server/doctor/database-check';
import { Store } from '../../../server/store/store';

// SQLite files as the server leaves them; the doctor only reads (PostgreSQL shares the store's migration code).
describe('the database check', () => {
  let dir: string;
  let file: string;
  const config = () => ({ database: { kind: 'sqlite' as const, file } });
  const migrated = async () => (await Store.open({ kind: 'sqlite', file })).close();
  const edit = (statement: string) => {
    const db = new SQLite(file);
    db.exec(statement);
    db.close();
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-doctor-db-'));
    file = path.join(dir, 'relaydesk.db');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('warns about a database not created yet, and creates none', async () => {
    const { result, ready } = await checkDatabase(config());
    expect([result.status, result.code, ready]).toEqual(['warn', 'missing', false]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('passes a database with every migration applied, which the mailbox check may then open', async () => {
    await migrated();
    const { result, ready } = await checkDatabase(config());
    expect([result.status, ready]).toEqual(['ok', true]);
  });

  it('warns about pending migrations and leaves them pending (the server applies them at start)', async () => {
    await migrated();
    edit(`delete from kysely_migration where name = (select max(name) from kysely_migration)`);
    const { result, ready } = await checkDatabase(config());
    expect([result.status, result.code, ready]).toEqual(['warn', 'pending_migrations', false]);
    expect((await checkDatabase(config())).result.code).toBe('pending_migrations');
  });

  // What a roll-back to an older version meets: its migrator refuses to start on the newer schema.
  it('fails a database migrated by a newer version', async () => {
    await migrated();
    edit(`insert into kysely_migration (name, timestamp) values ('9999-from-a-newer-version', '2030-01-01T00:00:00.000Z')`);
    const { result, ready } = await checkDatabase(config());
    expect([result.status, result.code, result.variable, ready]).toEqual(['fail', 'unknown_migrations', 'DATA_DIR', false]);
  });

  it('fails a file that is not a database, as a row rather than a crash', async () => {
    fs.writeFileSync(file, 'this is not SQLite, it is a text file long enough to have a header page '.repeat(20));
    const { result } = await checkDatabase(config());
    expect([result.status, result.code]).toEqual(['fail', 'unreachable']);
  });
});
