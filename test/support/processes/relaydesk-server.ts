import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { RunningSandbox } from '../../../server/sandbox';
import { startServerProcess, type ServerProcess } from '../server-process';
import type { TestSandbox } from '../sandbox';

/**
 * The real Relaydesk server as a child process (`node --import tsx server/main.ts`), configured as an Entra
 * app against an Exchange Online sandbox that lives in the test process, so the sandbox (and its mail) outlive
 * any number of server crashes and restarts.
 */

export interface RelaydeskServerOptions {
  /** For messages and logs ("run 3", "instance B"). */
  name: string;
  sandbox: RunningSandbox;
  port: number;
  dataDir: string;
  /** Working directory (no `.env` in it). */
  cwd: string;
  /** Base64 32-byte key shared by every start on the same database, so restarts decrypt the token vault. */
  secretKey: string;
  /** PostgreSQL; SQLite in DATA_DIR when unset. */
  databaseUrl?: string;
  syncIntervalMs?: number;
  /** SYNC_MAX_CONCURRENT: mailboxes one instance syncs at a time (server default 8). */
  syncMaxConcurrent?: number;
  logLevel?: 'debug' | 'info';
  /** NODE_OPTIONS of the child, e.g. `--max-old-space-size=512` to run it under a heap limit. */
  nodeOptions?: string;
  /** Further environment variables (PARSE_WORKERS, ...). */
  env?: Record<string, string>;
}

export function newSecretKey(): string {
  return randomBytes(32).toString('base64');
}

export function relaydeskEnv(o: RelaydeskServerOptions): Record<string, string> {
  const { sandbox } = o;
  return {
    NODE_ENV: 'test',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    DATA_DIR: o.dataDir,
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    LOG_LEVEL: o.logLevel ?? 'info',
    MICROSOFT_CLIENT_ID: sandbox.app.clientId,
    MICROSOFT_CLIENT_SECRET: sandbox.app.clientSecret,
    MICROSOFT_TENANT: sandbox.tenantId,
    MICROSOFT_AUTHORITY_HOST: sandbox.baseUrl,
    MICROSOFT_GRAPH_URL: sandbox.graphBaseUrl,
    AUTH_AUTHORITY: sandbox.authority,
    AUTH_AUDIENCE: sandbox.app.apiAudience,
    AUTH_TENANT_ID: sandbox.tenantId,
    OAUTH_REDIRECT_URI: `http://localhost:${o.port}/oauth/callback`,
    PUBLIC_ORIGIN: `http://localhost:${o.port}`,
    // Read once at process start: the child then trusts the sandbox's HTTPS certificate.
    NODE_EXTRA_CA_CERTS: sandbox.caCertPath,
    RELAYDESK_SECRET_KEY: o.secretKey,
    SYNC_INTERVAL_MS: String(o.syncIntervalMs ?? 200),
    ...(o.syncMaxConcurrent ? { SYNC_MAX_CONCURRENT: String(o.syncMaxConcurrent) } : {}),
    ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}),
    ...o.env,
  };
}

export interface RelaydeskServer {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly process: ServerProcess;
  /** Resolves once the server logs "relaydesk listening" (its scheduler starts right after). */
  listening(timeoutMs?: number): Promise<void>;
  /** SIGKILL, then waits for the exit (and the last of its output). */
  kill(): Promise<void>;
  /** SIGTERM (graceful: in-flight syncs finish, leases are released), then waits for the exit code and output. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
  readonly exitCode: () => number | null | undefined;
}

/**
 * Starts servers and remembers every child, so a test can kill whatever is still running in afterAll even
 * when an assertion or a timeout cut it short.
 */
export class ServerFleet {
  private readonly all: RelaydeskServer[] = [];

  start(options: RelaydeskServerOptions): RelaydeskServer {
    const child = startServerProcess(options.cwd, relaydeskEnv(options));
    let exitCode: number | null | undefined;
    void child.exited.then((code) => {
      exitCode = code;
    });
    // 'exit' can come before the last output is read; 'close' waits for stdout and stderr to end too.
    const closed = new Promise<void>((resolve) => child.child.once('close', () => resolve()));
    const exited = () => exitCode !== undefined || child.child.exitCode !== null || child.child.signalCode !== null;
    const server: RelaydeskServer = {
      name: options.name,
      port: options.port,
      baseUrl: `http://127.0.0.1:${options.port}`,
      process: child,
      exitCode: () => exitCode,
      listening: async (timeoutMs = 30_000) => {
        await child.waitForLog((l) => l.msg === 'relaydesk listening', timeoutMs);
      },
      kill: async () => {
        if (!exited()) child.child.kill('SIGKILL');
        await closed;
      },
      stop: async (timeoutMs = 15_000) => {
        if (!exited()) child.child.kill('SIGTERM');
        const timer = setTimeout(() => child.child.kill('SIGKILL'), timeoutMs);
        try {
          await closed;
          return await child.exited;
        } finally {
          clearTimeout(timer);
        }
      },
      logs: () =>
        child
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as Record<string, unknown>];
            } catch {
              return [];
            }
          }),
    };
    this.all.push(server);
    return server;
  }

  /** SIGKILLs every child still running and waits for them. */
  async killAll(): Promise<void> {
    await Promise.all(this.all.map((s) => s.kill()));
  }
}

/** A TCP port free right now on 127.0.0.1 (the server needs it up front for its OAuth redirect URI). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** An API token for a sandbox user with the Relaydesk.Admin role (created if needed). */
export async function adminToken(sandbox: TestSandbox, upn = 'crash-admin@contoso.test'): Promise<string> {
  await sandbox.control.createUser({ upn, displayName: 'Test Admin', roles: ['Relaydesk.Admin'] });
  return sandbox.control.token({ upn, audience: sandbox.sandbox.app.apiAudience });
}

/**
 * Links a mailbox through the server's HTTP API as an admin does: POST /api/mailboxes, the consent page
 * (answered by the sandbox's automation shortcut), then the server's /oauth/callback with what Microsoft
 * redirected with. Returns the mailbox id the server assigned.
 */
export async function linkMailbox(server: RelaydeskServer, sandbox: TestSandbox, address: string, token: string): Promise<number> {
  await sandbox.control.createMailbox(address);
  const started = await fetch(`${server.baseUrl}/api/mailboxes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ address }),
  });
  const body = (await started.json()) as { id: number; authorizeUrl: string };
  if (started.status !== 201) throw new Error(`${server.name}: linking ${address} failed to start: ${started.status} ${JSON.stringify(body)}`);

  const authorize = new URL(body.authorizeUrl);
  authorize.searchParams.set('sandbox_user', address);
  authorize.searchParams.set('sandbox_consent', 'accept');
  const consent = await fetch(authorize, { redirect: 'manual' });
  await consent.arrayBuffer();
  const location = consent.headers.get('location');
  if (consent.status !== 302 || !location) throw new Error(`consent for ${address} did not redirect: ${consent.status}`);
  const redirect = new URL(location);
  if (redirect.port !== String(server.port) || redirect.pathname !== '/oauth/callback') throw new Error(`consent redirected elsewhere: ${location}`);

  const done = await fetch(`${server.baseUrl}/oauth/callback${redirect.search}`);
  const page = await done.text();
  if (done.status !== 200 || !/"code":"linked"/.test(page)) throw new Error(`${server.name}: linking ${address} failed: ${done.status} ${page.slice(0, 500)}`);
  return body.id;
}

/** Unread messages in a mailbox's inbox, read through the Graph SDK with an app-only token. */
export async function unreadCount(sandbox: TestSandbox, appToken: string, address: string): Promise<number> {
  const folder = (await sandbox.graph(appToken).api(`/users/${address}/mailFolders/inbox`).select('unreadItemCount').get()) as { unreadItemCount: number };
  return folder.unreadItemCount;
}

/** Polls until every inbox has no unread mail; false if the deadline passed first. */
export async function waitUntilAllRead(sandbox: TestSandbox, appToken: string, addresses: readonly string[], deadline: number, everyMs = 250): Promise<boolean> {
  for (;;) {
    const counts = await Promise.all(addresses.map((a) => unreadCount(sandbox, appToken, a)));
    if (counts.every((n) => n === 0)) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
