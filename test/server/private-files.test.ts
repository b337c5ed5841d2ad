import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../server/config';
import { openTokenVault } from '../../server/identity/vault-keys';
import { ensureSandboxTls } from '../../server/sandbox/tls-ca';
import { Store } from '../../server/store/store';

/**
 * The data folder and its secrets are owner-only (0700 / 0600) whatever the umask, and files an older
 * version left readable by others are tightened. The umask is set permissive here, so a mode left to it shows.
 */

const mode = (file: string) => fs.statSync(file).mode & 0o777;
let dir: string;
let umask: number;

beforeAll(() => {
  umask = process.umask(0o002);
});

afterAll(() => {
  process.umask(umask);
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-modes-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('file modes', () => {
  it('creates the SQLite database, its WAL and SHM files 0600 in a new 0700 folder', async () => {
    const file = path.join(dir, 'data', 'relaydesk.db');
    const store = await Store.open({ kind: 'sqlite', file });
    try {
      expect(mode(path.dirname(file))).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, mode(f)]).toEqual([f, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('tightens a database file that was readable by others', async () => {
    const file = path.join(dir, 'relaydesk.db');
    await (await Store.open({ kind: 'sqlite', file })).close();
    fs.chmodSync(file, 0o644);
    const store = await Store.open({ kind: 'sqlite', file });
    await store.close();
    expect(mode(file)).toBe(0o600);
  });

  it('creates secret.key 0600 in a 0700 data folder, and tightens both when they existed', () => {
    const dataDir = path.join(dir, 'data');
    const silent = pino({ level: 'silent' });
    openTokenVault(parseConfig({ DATA_DIR: dataDir }), silent);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'secret.key'))).toBe(0o600);

    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'secret.key'), 0o644);
    openTokenVault(parseConfig({ DATA_DIR: dataDir }), silent);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'secret.key'))).toBe(0o600);
  });

  it("keeps the sandbox CA's key 0600 in a 0700 folder, also when an older run left it readable", () => {
    const caDir = path.join(dir, 'sandbox-ca');
    ensureSandboxTls(caDir);
    expect(mode(caDir)).toBe(0o700);
    expect(mode(path.join(caDir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(path.join(caDir, 'localhost-key.pem'))).toBe(0o600);

    fs.chmodSync(caDir, 0o755);
    fs.chmodSync(path.join(caDir, 'ca-key.pem'), 0o644);
    ensureSandboxTls(caDir);
    expect(mode(caDir)).toBe(0o700);
    expect(mode(path.join(caDir, 'ca-key.pem'))).toBe(0o600);
  });
});
