import { loadDotEnv } from '../config';
import { exitCodeOf } from '../doctor/check-result';
import { runDoctor } from '../doctor/run-doctor';
import { formatTable } from '../doctor/table';
import { appCredentialInfo } from '../identity/app-credential';
import { createLogger } from '../logger';
import { SANDBOX_APP_CREDENTIAL, type AppCredentialInfo } from '../mailboxes/credential-health';
import { mailboxView } from '../mailboxes/mailbox-view';
import { createRelaydesk } from '../wiring';

/**
 * `npm run doctor [-- --json]`: checks this installation as configured (environment and .env, as the server
 * reads them) and prints a table with a fix for each problem. Exit code 1 when any check failed, 0 otherwise
 * (warnings included), 2 for a wrong argument. Run it as the account the service runs as.
 */
async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write('usage: npm run doctor [-- --json]\n');
    return 2;
  }
  loadDotEnv();
  // Only errors on stderr (the sandbox's start-up notice included): stdout carries the table.
  const logger = createLogger('error', process.stderr);
  const results = await runDoctor(process.env, {
    logger,
    listMailboxes: async (config) => {
      const core = await createRelaydesk(config, { only: 'store', logger });
      try {
        let appCredential: AppCredentialInfo;
        try {
          appCredential = appCredentialInfo(config.microsoft);
        } catch {
          // An unreadable certificate is the app credential row's failure; the mailboxes are still worth seeing.
          appCredential = SANDBOX_APP_CREDENTIAL;
        }
        return (await core.services.mailboxes.listLinked()).map((row) => mailboxView(row, appCredential));
      } finally {
        await core.close();
      }
    },
  });
  const text = argv.includes('--json') ? `${JSON.stringify({ results, exitCode: exitCodeOf(results) }, null, 2)}\n` : formatTable(results);
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return exitCodeOf(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`relaydesk doctor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
