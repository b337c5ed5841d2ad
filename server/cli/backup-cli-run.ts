import { ConfigError } from '../config';
import { DatabaseLockError } from '../store/database-lock';
import { BackupError } from '../store/sqlite-backup';

/** Output of the backup and restore CLIs: JSON on stdout for what was done, on stderr for why not. */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function fail(code: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

/** Runs a backup or restore CLI: exits with its code, or 1 with a coded error on stderr. */
export function runBackupCli(main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const code = error instanceof BackupError ? error.code : error instanceof DatabaseLockError ? (error.code === 'in_use' ? 'database_in_use' : 'restore_in_progress') : error instanceof ConfigError ? 'invalid_config' : 'internal_error';
      fail(code, error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
