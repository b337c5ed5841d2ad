import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trustCertificateAuthority } from '../../server/tls/trust-ca';
import { startServerProcess } from '../support/server-process';

// What a newcomer does on a fresh clone: `npm start` with no configuration at all.
describe('npm start', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-start-'));
  });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('answers /healthz over HTTPS with no configuration, creates ./data/relaydesk.db, and stops cleanly on SIGTERM', async () => {
    const server = startServerProcess(cwd, { PORT: '0', SANDBOX_PORT: '0' });
    try {
      const listening = await server.waitForLog((l) => l.msg === 'relaydesk listening');
      expect(listening.https).toBe(true);
      // The default setup serves HTTPS (Office add-ins require it) with the sandbox's local CA.
      trustCertificateAuthority(fs.readFileSync(path.join(cwd, 'data/sandbox-ca/ca.pem'), 'utf8'));
      const base = `https://localhost:${String(listening.port)}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
      expect(fs.existsSync(path.join(cwd, 'data/relaydesk.db'))).toBe(true);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('"msg":"stopped"');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('exits non-zero and names PORT when PORT is not a number', async () => {
    const server = startServerProcess(cwd, { PORT: 'abc' });
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(server.output()).toMatch(/\bPORT\b/);
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
  });

  it('honours a .env file in the working directory', async () => {
    fs.writeFileSync(path.join(cwd, '.env'), 'PORT=0\nSANDBOX_PORT=0\nDATA_DIR=./state\n');
    const server = startServerProcess(cwd, {});
    try {
      await server.waitForLog((l) => l.msg === 'relaydesk listening');
      expect(fs.existsSync(path.join(cwd, 'state/relaydesk.db'))).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
