// Run by tests as a separate process: opens the SQLite store named in RELAYDESK_TEST_FILE, says so on
// stdout, and keeps it open until killed (a server using its database, as a restore sees it).
import { Store } from '../../server/store/store';

async function run(): Promise<void> {
  await Store.open({ kind: 'sqlite', file: process.env.RELAYDESK_TEST_FILE ?? '' });
  process.stdout.write('open\n');
  setInterval(() => undefined, 60_000);
}

run().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
