import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { GENERATED_KEY_FILE } from '../identity/vault-keys';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files';
import { fail, ok, warn, type CheckResult } from './check-result';

/**
 * The data folder and the secrets in it, as the account running the doctor finds them (run it as the
 * service's user). The folder holds every ticket and the sealed mailbox tokens; secret.key opens them. The
 * server makes them owner-only when it opens them, so modes that are too open now were changed since, and
 * what the server cannot mend (another owner, a read-only mount) stops it at start.
 */

const uid = (): number | undefined => process.getuid?.();

export function checkFiles(config: Pick<Config, 'dataDir' | 'database' | 'secretKeys'>): CheckResult[] {
  const results = [checkDataDir(config.dataDir)];
  if (!config.secretKeys) {
    const keyFile = path.join(config.dataDir, GENERATED_KEY_FILE);
    const orphaned = config.database.kind === 'sqlite' && fs.existsSync(config.database.file) && !fs.existsSync(keyFile);
    results.push(
      orphaned
        ? warn('secret key file', 'key_file_lost', `${keyFile} is missing but the database exists: tokens sealed with the lost key cannot be opened`, 'Put the old secret.key back (from a backup); otherwise the server makes a new key and every linked mailbox must be re-authorized.', 'DATA_DIR')
        : checkPrivateFile('secret key file', keyFile, 'the server generates it at its first start', 'DATA_DIR'),
    );
  }
  if (config.database.kind === 'sqlite') {
    const file = config.database.file;
    const db = checkPrivateFile('database file', file, 'the server creates it at its first start', 'DATA_DIR');
    // SQLite's own side files hold the latest rows: they need the database's mode too.
    const side = ['-wal', '-shm'].map((s) => `${file}${s}`).filter((f) => fs.existsSync(f)).map((f) => checkPrivateFile('database file', f, '', 'DATA_DIR'));
    results.push(side.find((r) => r.status === 'fail') ?? side.find((r) => r.status === 'warn') ?? db);
  }
  return results;
}

export function checkDataDir(dir: string): CheckResult {
  const check = 'data folder';
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    const parent = nearestExisting(path.dirname(dir));
    if (!canWrite(parent)) return fail(check, 'cannot_create', `${dir} does not exist, and ${parent} is not writable for this account`, `Create it for the service's account: mkdir -m 700 ${dir} && chown <user> ${dir}, or set DATA_DIR to a folder it may write.`, 'DATA_DIR');
    return warn(check, 'missing', `${dir} does not exist yet`, 'Start the server once: it creates the folder (owner-only), the database and its key.', 'DATA_DIR');
  }
  if (!stat.isDirectory()) return fail(check, 'not_a_folder', `${dir} is not a folder`, 'Set DATA_DIR to a folder.', 'DATA_DIR');
  const owner = ownerProblem(stat);
  if (owner) return fail(check, 'wrong_owner', `${dir} ${owner}`, `chown -R <service user> ${dir}, or run the doctor as the account the server runs as.`, 'DATA_DIR');
  if (!canWrite(dir)) return fail(check, 'not_writable', `${dir} is not writable for this account (read-only mount, or ReadWritePaths missing from the service unit)`, `Make ${dir} writable for the service's account (systemd: ReadWritePaths=${dir}).`, 'DATA_DIR');
  const mode = stat.mode & 0o777;
  if (mode & 0o077) return fail(check, 'mode_too_open', `${dir} has mode ${octal(mode)}: other accounts can read the tickets and sealed tokens in it`, `chmod ${octal(PRIVATE_DIR_MODE)} ${dir} (the server also sets it when it starts).`, 'DATA_DIR');
  return ok(check, `${dir}: owner-only (${octal(mode)}), writable`);
}

/** A file only its owner may read: the database, the key. `whenMissing` empty: a missing file is not reported. */
export function checkPrivateFile(check: string, file: string, whenMissing: string, variable: string): CheckResult {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return whenMissing ? ok(check, `${file} not there yet: ${whenMissing}`) : ok(check, `${file} not there`);
  }
  const owner = ownerProblem(stat);
  if (owner) return fail(check, 'wrong_owner', `${file} ${owner}`, `chown <service user> ${file}, or run the doctor as the account the server runs as.`, variable);
  if (!canReadWrite(file)) return fail(check, 'not_readable', `${file} is not readable and writable for this account`, `chmod ${octal(PRIVATE_FILE_MODE)} ${file} as its owner.`, variable);
  const mode = stat.mode & 0o777;
  if (mode & 0o077) return fail(check, 'mode_too_open', `${file} has mode ${octal(mode)}: other accounts can read it`, `chmod ${octal(PRIVATE_FILE_MODE)} ${file} (the server also sets it when it opens the file).`, variable);
  return ok(check, `${file}: owner-only (${octal(mode)})`);
}

function ownerProblem(stat: fs.Stats): string | undefined {
  const me = uid();
  // root can open anything, and Windows has no uids: only a plain account is told about someone else's files.
  if (me === undefined || me === 0 || stat.uid === me) return undefined;
  return `belongs to uid ${stat.uid}, not to this account (uid ${me}): the server cannot make it private`;
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function canReadWrite(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

const octal = (mode: number): string => mode.toString(8).padStart(3, '0');
