// Run by tests as a separate process: opens the database named in RELAYDESK_TEST_TARGET and migrates it.
import { openDatabase, type DatabaseTarget } from '../../server/store/database';
import { migrateToLatest } from '../../server/store/migrate';

async function run(): Promise<void> {
  const target = JSON.parse(process.env.RELAYDESK_TEST_TARGET ?? '') as DatabaseTarget;
  const database = await openDatabase(target);
  try {
    const applied = await migrateToLatest(database);
    process.stdout.write(JSON.stringify({ applied }));
  } finally {
    await database.close();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
