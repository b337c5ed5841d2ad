import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckResult } from '../../../server/doctor/check-result';
import { checkDataDir, checkFiles, checkPrivateFile } from '../../../server/doctor/files-check';

const ROOT = path.resolve(__dirname, '../../..');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * checkDataDir as another account sees `dir`: as root, in a child process running as nobody (root may write
 * anything, so only another account meets a folder it cannot use); otherwise in this process.
 */
function checkAsOtherAccount(dir: string): CheckResult {
  if (!isRoot) return checkDataDir(dir);
  // The sources are CommonJS to tsx: their exports arrive on the default export of an ES import.
  const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'server/doctor/files-check.ts'))}); process.stdout.write(JSON.stringify((m.checkDataDir ?? m.default.checkDataDir)(process.argv[1])));`;
  const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawnSync(process.execPath, ['--import', loader, '--input-type=module', '-e', script, dir], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: os.tmpdir() });
  if (child.status !== 0) throw new Error(`check as nobody failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as CheckResult;
}

describe('the data folder and secret file checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-doctor-files-'));
    fs.chmodSync(dir, 0o755);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes an owner-only, writable folder', () => {
    fs.chmodSync(dir, 0o700);
    expect(checkDataDir(dir).status).toBe('ok');
  });

  it('fails a folder other accounts can read, naming DATA_DIR', () => {
    const result = checkDataDir(dir);
    expect([result.status, result.code, result.variable]).toEqual(['fail', 'mode_too_open', 'DATA_DIR']);
  });

  it('warns when the folder is not there yet (the server creates it), fails a file in its place', () => {
    expect(checkDataDir(path.join(dir, 'data')).code).toBe('missing');
    expect(checkDataDir(path.join(dir, 'data')).status).toBe('warn');
    fs.writeFileSync(path.join(dir, 'data'), '');
    expect([checkDataDir(path.join(dir, 'data')).status, checkDataDir(path.join(dir, 'data')).code]).toEqual(['fail', 'not_a_folder']);
  });

  it('fails a folder that belongs to another account (the server could not make it private)', () => {
    // Owned by root: for nobody (or any account but root) it is someone else's.
    const other = isRoot ? dir : '/';
    if (isRoot) fs.chmodSync(dir, 0o755);
    const result = checkAsOtherAccount(other);
    expect([result.status, result.code]).toEqual(['fail', 'wrong_owner']);
  });

  it('fails a folder its own account may not write (a read-only path, ReadWritePaths missing)', () => {
    const readOnly = path.join(dir, 'data');
    fs.mkdirSync(readOnly, { mode: 0o500 });
    fs.chmodSync(readOnly, 0o500);
    if (isRoot) fs.chownSync(readOnly, NOBODY, NOBODY);
    const result = checkAsOtherAccount(readOnly);
    expect([result.status, result.code, result.variable]).toEqual(['fail', 'not_writable', 'DATA_DIR']);
  });

  it('fails a secret.key other accounts can read, passes it at 600', () => {
    const key = path.join(dir, 'secret.key');
    fs.writeFileSync(key, 'k', { mode: 0o644 });
    fs.chmodSync(key, 0o644);
    expect([checkPrivateFile('secret key file', key, 'made at start', 'DATA_DIR').status, checkPrivateFile('secret key file', key, 'made at start', 'DATA_DIR').code]).toEqual(['fail', 'mode_too_open']);
    fs.chmodSync(key, 0o600);
    expect(checkPrivateFile('secret key file', key, 'made at start', 'DATA_DIR').status).toBe('ok');
  });

  it('warns when the database exists without the key that opens its tokens', () => {
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, 'relaydesk.db');
    fs.writeFileSync(file, '', { mode: 0o600 });
    const results = checkFiles({ dataDir: dir, database: { kind: 'sqlite', file }, secretKeys: undefined });
    expect(results.map((r) => [r.check, r.status, r.code ?? null])).toEqual([
      ['data folder', 'ok', null],
      ['secret key file', 'warn', 'key_file_lost'],
      ['database file', 'ok', null],
    ]);
  });

  it("fails the database when SQLite's side files are readable by others, even if the database is not", () => {
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, 'relaydesk.db');
    fs.writeFileSync(file, '', { mode: 0o600 });
    fs.writeFileSync(`${file}-wal`, '', { mode: 0o644 });
    fs.chmodSync(`${file}-wal`, 0o644);
    const results = checkFiles({ dataDir: dir, database: { kind: 'sqlite', file }, secretKeys: { current: 'k', previous: [] } });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['data folder', 'ok'],
      ['database file', 'fail'],
    ]);
  });
});
