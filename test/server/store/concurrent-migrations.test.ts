import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../../server/store/database';
import { pendingMigrations } from '../../../server/store/migrate';
import { migrationProvider } from '../../../server/store/migrations';
import { dropTestDatabase, testDatabaseTarget } from '../../support/database';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CHILD = path.join(ROOT, 'test/support/migrate-in-child.ts');

// Guards the start-up of several instances against one fresh database: both must come up, and every
// migration must be applied exactly once between them.
it('lets two processes migrate one fresh database at once', async () => {
  const target = testDatabaseTarget();
  try {
    const env = { ...process.env, RELAYDESK_TEST_TARGET: JSON.stringify(target) };
    const [a, b] = await Promise.all([run(TSX, [CHILD], { env, cwd: ROOT }), run(TSX, [CHILD], { env, cwd: ROOT })]);
    const applied = [a, b].flatMap((r) => (JSON.parse(r.stdout) as { applied: string[] }).applied);
    const all = Object.keys(await migrationProvider(target.kind).getMigrations());
    expect(applied.sort()).toEqual(all.sort());

    const database = await openDatabase(target);
    try {
      expect(await pendingMigrations(database)).toEqual([]);
    } finally {
      await database.close();
    }
  } finally {
    await dropTestDatabase(target);
  }
}, 30_000);
