import fs from 'node:fs';
import path from 'node:path';
import { fail, print, runBackupCli } from './backup-cli-run';
import { loadDotEnv, parseConfig } from '../config';
import { GENERATED_KEY_FILE } from '../identity/vault-keys';
import { createLogger } from '../logger';
import { prepareRestoredStore, type RestoredMailbox } from '../mailboxes/after-restore';
import { restoreSqlite } from '../store/sqlite-backup';
import { createRelaydesk } from '../wiring';

/** After pg_restore, with every instance stopped: prepares the restored PostgreSQL database as a SQLite restore does its copy. */
const AFTER_PG_RESTORE = '--after-pg-restore';

/**
 * Puts a backup (npm run backup) in place of the configured SQLite database:
 *   npm run restore -- FILE
 * Refuses while a server (or a CLI) has the database open. The backup is checked (a SQLite database with
 * Relaydesk's migrations, none newer than this code), migrated, and prepared: each mailbox takes again the
 * mail received since the backup, which Relaydesk had marked read (mailboxes/after-restore.ts). It then
 * replaces the database in one rename; the old one is kept beside it as `relaydesk.db.<time>.before-restore`.
 * Prints JSON saying what was done; exits 1 with a code on failure. PostgreSQL is restored with pg_restore, then
 * prepared alike with `npm run restore -- --after-pg-restore` (docs/operations.md).
 */
async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 || (argv[0]!.startsWith('-') && argv[0] !== AFTER_PG_RESTORE)) {
    process.stderr.write(`usage: npm run restore -- FILE | ${AFTER_PG_RESTORE}\n`);
    return 2;
  }
  loadDotEnv();
  const config = parseConfig(process.env);
  if (argv[0] === AFTER_PG_RESTORE) {
    if (config.database.kind !== 'postgres') {
      fail('not_postgres', `${AFTER_PG_RESTORE} is for a PostgreSQL database restored with pg_restore; for SQLite: npm run restore -- FILE`);
      return 1;
    }
    // Nothing tells whether instances run on PostgreSQL: the operator stopped them (docs/operations.md).
    const core = await createRelaydesk(config, { only: 'store', logger: createLogger('warn', process.stderr) });
    try {
      const prepared = await prepareRestoredStore(core.store, new Date());
      print({ prepared: 'postgres', mailboxes: describe(prepared.mailboxes), emailsToSettle: prepared.emailsToSettle });
    } finally {
      await core.close();
    }
    return 0;
  }
  if (config.database.kind !== 'sqlite') {
    fail('postgres_use_pg_restore', `DATABASE_URL names PostgreSQL: stop every instance, restore with pg_restore --clean, then run npm run restore -- ${AFTER_PG_RESTORE} (see docs/operations.md, "Backup and restore")`);
    return 1;
  }
  const backup = path.resolve(argv[0]!);
  const now = new Date();
  let prepared: { mailboxes: RestoredMailbox[]; emailsToSettle: number } | undefined;
  const { contents, keptAs } = await restoreSqlite(
    backup,
    config.database.file,
    async (copy) => {
      // The copy is opened as the server would open it (migrations run), through the composition root.
      const core = await createRelaydesk({ ...config, database: { kind: 'sqlite', file: copy } }, { only: 'store', logger: createLogger('warn', process.stderr) });
      try {
        prepared = await prepareRestoredStore(core.store, now);
      } finally {
        await core.close();
      }
    },
    now,
  );
  const keyFile = path.join(config.dataDir, GENERATED_KEY_FILE);
  print({
    restored: backup,
    database: config.database.file,
    keptAs,
    holds: contents,
    mailboxes: describe(prepared?.mailboxes ?? []),
    emailsToSettle: prepared?.emailsToSettle ?? 0,
    // Mailbox tokens are sealed with the vault key: without the one the backup was made under, every mailbox must be re-linked.
    secretKey: config.secretKeys ? 'RELAYDESK_SECRET_KEY is set: it must be the key the backup was made under' : fs.existsSync(keyFile) ? `${keyFile}: it must be the key the backup was made under` : `missing: copy the old ${GENERATED_KEY_FILE} to ${keyFile} (or set RELAYDESK_SECRET_KEY) before starting, or every mailbox must be re-linked`,
  });
  return 0;
}

/** Per mailbox: from when its mail is taken again, or why none is. */
function describe(mailboxes: readonly RestoredMailbox[]): Record<string, string>[] {
  return mailboxes.map(({ address, decision }) => ({
    address,
    ...(decision.reread ? { takesAgainMailSince: decision.since } : { takesAgainNothing: decision.why }),
    ...(decision.note ? { note: decision.note } : {}),
  }));
}

runBackupCli(main);
