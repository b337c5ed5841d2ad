import fs from 'node:fs';
import path from 'node:path';
import { fail, print, runBackupCli } from './backup-cli-run';
import { loadDotEnv, parseConfig } from '../config';
import { GENERATED_KEY_FILE } from '../identity/vault-keys';
import { backupSqlite } from '../store/sqlite-backup';

/**
 * A consistent copy of the configured SQLite database, taken while the server runs:
 *   npm run backup -- FILE [--force]
 * FILE is written owner-only (0600); an existing FILE is replaced only with --force. Prints JSON saying
 * what was copied; exits 1 with a code on failure. PostgreSQL is backed up with pg_dump
 * (docs/operations.md), not by this tool.
 */
async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const files = argv.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    process.stderr.write('usage: npm run backup -- FILE [--force]\n');
    return 2;
  }
  loadDotEnv();
  const config = parseConfig(process.env);
  if (config.database.kind !== 'sqlite') {
    fail('postgres_use_pg_dump', 'DATABASE_URL names PostgreSQL: back it up with pg_dump -Fc (see docs/operations.md, "Backup and restore")');
    return 1;
  }
  const destination = path.resolve(files[0]!);
  const started = Date.now();
  const contents = await backupSqlite(config.database.file, destination, { force });
  const keyFile = path.join(config.dataDir, GENERATED_KEY_FILE);
  print({
    backup: destination,
    database: config.database.file,
    ...contents,
    tookMs: Date.now() - started,
    // Mailbox tokens in the backup are sealed with the vault key; a restore without that key must re-link every mailbox.
    secretKey: config.secretKeys ? 'RELAYDESK_SECRET_KEY opens the mailbox tokens in this backup: keep it, stored apart from the backup' : fs.existsSync(keyFile) ? `${keyFile} opens the mailbox tokens in this backup: keep a copy, stored apart from the backup` : 'none (no mailbox was linked yet)',
  });
  return 0;
}

runBackupCli(main);
