import type { Config } from '../config';
import { inspectDatabase, type DatabaseStatus } from '../store/database-status';
import { describeError, fail, ok, warn, type CheckResult } from './check-result';

const CHECK = 'database';

/** PostgreSQL's and Node's codes for the usual ways DATABASE_URL is wrong, with what to do. */
const POSTGRES_FIXES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "Nothing listens at DATABASE_URL's host and port: start PostgreSQL or correct DATABASE_URL.",
  ENOTFOUND: "DATABASE_URL's host does not resolve: correct the host name.",
  ETIMEDOUT: "DATABASE_URL's host does not answer: check the host, the port and the firewall.",
  '28P01': "PostgreSQL refused the password: correct DATABASE_URL's user and password.",
  '28000': "PostgreSQL refused the connection (pg_hba.conf): allow this host and user, or correct DATABASE_URL's user.",
  '3D000': "The database in DATABASE_URL does not exist: create it (createdb) or correct its name.",
};

/**
 * Reachable, every migration this version knows applied, none it does not know. Read only (no file made, no
 * migration run): `ready` says whether the store may be opened for the mailbox check without changing it.
 */
export async function checkDatabase(config: Pick<Config, 'database'>): Promise<{ result: CheckResult; ready: boolean }> {
  const where = config.database.kind === 'sqlite' ? config.database.file : postgresWhere(config.database.url);
  const variable = config.database.kind === 'sqlite' ? 'DATA_DIR' : 'DATABASE_URL';
  let status: DatabaseStatus;
  try {
    status = await inspectDatabase(config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const fix =
      config.database.kind === 'sqlite'
        ? `The file cannot be read as a database (damaged, or not SQLite): restore it from a backup (docs/operations.md, "Backup and restore").`
        : (POSTGRES_FIXES[typeof code === 'string' ? code : ''] ?? 'Check DATABASE_URL and that PostgreSQL accepts this host and user.');
    return { result: fail(CHECK, 'unreachable', `${where}: ${describeError(error)}`, fix, variable), ready: false };
  }
  return { result: verdict(status, where, variable), ready: status.state === 'present' && status.pending.length === 0 && status.unknown.length === 0 };
}

export function verdict(status: DatabaseStatus, where: string, variable: string): CheckResult {
  if (status.state === 'missing') {
    return warn(CHECK, 'missing', `no database at ${status.file} yet`, 'Start the server once: it creates the database and applies every migration.', variable);
  }
  if (status.unknown.length > 0) {
    return fail(
      CHECK,
      'unknown_migrations',
      `${where} was migrated by a newer Relaydesk (migrations this version does not know: ${status.unknown.join(', ')}); this version refuses to start on it`,
      'Run the newer version again, or restore the backup taken before the upgrade (docs/operations.md, "Upgrade and roll back").',
      variable,
    );
  }
  if (status.pending.length > 0) {
    return warn(
      CHECK,
      'pending_migrations',
      `${where}: ${status.pending.length} migration(s) not applied yet (${status.pending.join(', ')})`,
      'Back up the database (npm run backup -- FILE), then start the server: it applies them at start.',
      variable,
    );
  }
  return ok(CHECK, `${where}: reachable, all ${status.applied.length} migrations applied (latest ${status.applied.at(-1) ?? 'none'})`);
}

/** Host, port and database of a PostgreSQL URL, never its password. */
function postgresWhere(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}
