import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckResult } from '../../server/doctor/check-result';
import { trustCertificateAuthority } from '../../server/sandbox-mode';
import { freePort } from '../support/processes/relaydesk-server';
import { ROOT, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * `npm run doctor` as an operator runs it: a child process (node --import tsx server/cli/doctor.ts, the
 * script's own command) beside a real server in sandbox mode, with the demo mailbox linked through the
 * server's API and the sandbox's consent page. Green, then with one setting broken, then with the server
 * stopped (the doctor starts the sandbox itself, as the server would).
 */

const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
/** As server-process.ts: the developer's own settings must not leak into the child. */
const SCRUBBED = /^(PORT|HOST|DATA_DIR|DATABASE_URL|LOG_LEVEL|AUTH_|MICROSOFT_|SANDBOX_|RELAYDESK_|OAUTH_|PUBLIC_ORIGIN|TLS_|NODE_ENV)/;
const DEMO_ADMIN = 'admin@contoso.test';
const DEMO_MAILBOX = 'support@contoso.test';

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDoctor(cwd: string, env: Record<string, string>, args: string[] = []): Promise<DoctorRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.test(k)));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'server/cli/doctor.ts'), ...args], { cwd, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function doctorJson(cwd: string, env: Record<string, string>): Promise<{ code: number | null; results: CheckResult[] }> {
  const run = await runDoctor(cwd, env, ['--json']);
  try {
    return { code: run.code, results: (JSON.parse(run.stdout) as { results: CheckResult[] }).results };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run doctor against the sandbox', () => {
  let cwd: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let sandboxPort: number;

  beforeAll(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-doctor-'));
    const port = await freePort();
    sandboxPort = await freePort();
    env = { PORT: String(port), SANDBOX_PORT: String(sandboxPort), SANDBOX_DEMO_MAIL: 'off', DATA_DIR: path.join(cwd, 'data'), LOG_LEVEL: 'warn' };
    server = startServerProcess(cwd, { ...env, LOG_LEVEL: 'info' });
    await server.waitForLog((l) => l.msg === 'relaydesk listening', 60_000);
    trustCertificateAuthority(fs.readFileSync(path.join(cwd, 'data/sandbox-ca/ca.pem'), 'utf8'));

    // Link the demo mailbox as an admin does: the API, the sandbox's consent page, the server's callback.
    const sandbox = `https://localhost:${sandboxPort}`;
    const app = (await (await fetch(`${sandbox}/sandbox/`)).json()) as { app: { apiAudience: string } };
    const tokenAnswer = await fetch(`${sandbox}/sandbox/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ upn: DEMO_ADMIN, audience: app.app.apiAudience, roles: ['Relaydesk.Admin'] }),
    });
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    const started = await fetch(`https://localhost:${port}/api/mailboxes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ address: DEMO_MAILBOX }),
    });
    expect(started.status).toBe(201);
    const authorize = new URL(((await started.json()) as { authorizeUrl: string }).authorizeUrl);
    authorize.searchParams.set('sandbox_user', DEMO_MAILBOX);
    authorize.searchParams.set('sandbox_consent', 'accept');
    const consent = await fetch(authorize, { redirect: 'manual' });
    await consent.arrayBuffer();
    const callback = consent.headers.get('location');
    expect(callback).toMatch(new RegExp(`^https://localhost:${port}/oauth/callback\\?`));
    const linked = await fetch(callback!);
    expect(linked.status).toBe(200);
    await linked.arrayBuffer();
  }, 90_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('finds everything green next to the running server (exit 0, every row ok, the linked mailbox among them)', async () => {
    const { code, results } = await doctorJson(cwd, env);
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    const checks = results.map((r) => r.check);
    for (const check of ['configuration', 'data folder', 'secret key file', 'database', 'sandbox', 'TLS certificate', 'app credential', 'identity endpoint', 'OpenID metadata', 'Graph endpoint', 'clock', 'redirect URI', 'API scope', `mailbox ${DEMO_MAILBOX}`]) {
      expect(checks).toContain(check);
    }
  }, 60_000);

  it('fails the redirect URI on an unregistered host, naming OAUTH_REDIRECT_URI and its fix, and exits 1', async () => {
    const broken = { ...env, OAUTH_REDIRECT_URI: 'https://helpdesk.example.com/oauth/callback' };
    const { code, results } = await doctorJson(cwd, broken);
    expect(code).toBe(1);
    const failed = results.filter((r) => r.status === 'fail');
    // AADSTS50011, as Entra answers a redirect URI the app does not have.
    expect(failed.map((r) => [r.check, r.code, r.variable])).toEqual([['redirect URI', 'redirect_uri_mismatch', 'OAUTH_REDIRECT_URI']]);
    expect(failed[0]?.fix).toContain('OAUTH_REDIRECT_URI');

    // The table an operator reads says the same, fix included.
    const table = await runDoctor(cwd, broken);
    expect(table.code).toBe(1);
    const line = table.stdout.split('\n').find((l) => l.startsWith('redirect URI'));
    expect(line).toMatch(/\bFAIL\b/);
    // The fix's first words open its column on the row's first line (the rest wraps below).
    expect(line).toContain(failed[0]!.fix!.split(' ').slice(0, 4).join(' '));
  }, 60_000);

  it('reports a configuration it cannot parse as a failed row naming the variable, not a crash', async () => {
    const { code, results } = await doctorJson(cwd, { ...env, PORT: 'abc' });
    expect(code).toBe(1);
    expect(results.map((r) => [r.check, r.status, r.code, r.variable])).toEqual([['configuration', 'fail', 'invalid_variable', 'PORT']]);
  }, 30_000);

  it('starts the sandbox itself once the server is stopped, finds everything green, and stops it again', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    expect(await accepting(sandboxPort)).toBe(false);

    const { code, results } = await doctorJson(cwd, env);
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    expect(results.map((r) => r.check)).toContain(`mailbox ${DEMO_MAILBOX}`);
    // Started for the checks, stopped after them: the port is free for the server again.
    expect(await accepting(sandboxPort)).toBe(false);
  }, 60_000);
});
