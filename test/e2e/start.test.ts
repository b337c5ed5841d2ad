import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trustCertificateAuthority } from '../../server/sandbox-mode';
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
      // Owner-only whatever the umask: the database holds sealed tokens, secret.key and the CA key open them.
      const mode = (file: string) => fs.statSync(path.join(cwd, file)).mode & 0o777;
      expect(mode('data')).toBe(0o700);
      expect(mode('data/sandbox-ca')).toBe(0o700);
      for (const file of ['data/relaydesk.db', 'data/relaydesk.db-wal', 'data/relaydesk.db-shm', 'data/secret.key', 'data/sandbox-ca/ca-key.pem']) {
        expect([file, mode(file)]).toEqual([file, 0o600]);
      }

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

  // EX_CONFIG, naming the variable: the default authority (organizations) signs tokens for every Entra tenant.
  it('exits 78 naming AUTH_TENANT_ID in production with a multi-tenant authority and no tenant list', async () => {
    const server = startServerProcess(cwd, { NODE_ENV: 'production', MICROSOFT_CLIENT_ID: 'app-id', MICROSOFT_CLIENT_SECRET: 's', RELAYDESK_SECRET_KEY: 'k' });
    expect(await server.exited).toBe(78);
    expect(server.output()).toMatch(/\bAUTH_TENANT_ID\b/);
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

// /metrics names every linked mailbox: it lives on its own loopback listener, never on the public one.
describe('the metrics listener', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-metrics-'));
  });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('serves /metrics on METRICS_PORT bound to 127.0.0.1, 404 on the public port, and stops with the server', async () => {
    const server = startServerProcess(cwd, { PORT: '0', SANDBOX_PORT: '0', METRICS_PORT: '0' });
    try {
      const listening = await server.waitForLog((l) => l.msg === 'relaydesk listening');
      const metrics = await server.waitForLog((l) => l.msg === 'metrics listening');
      expect(metrics.host).toBe('127.0.0.1');
      const scrape = await fetch(`http://127.0.0.1:${String(metrics.port)}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('relaydesk_process_');
      trustCertificateAuthority(fs.readFileSync(path.join(cwd, 'data/sandbox-ca/ca.pem'), 'utf8'));
      const publicMetrics = await fetch(`https://localhost:${String(listening.port)}/metrics`);
      expect(publicMetrics.status).toBe(404);
      expect(((await publicMetrics.json()) as { error: { code: string } }).error.code).toBe('route_not_found');

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${String(metrics.port)}/metrics`)).rejects.toThrow();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
