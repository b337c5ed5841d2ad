import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trustCertificateAuthority } from '../../server/sandbox-mode';
import type { ChildReply, ChildRequest, SandboxInfo } from './sandbox-protocol';

/**
 * What every benchmark scenario needs around it: temporary folders and child processes that are removed and
 * stopped whatever happens (error, Ctrl-C), and the sandbox running in a child process.
 */

/** How long the sandbox child may take to start (tsx compiles it first). */
const SANDBOX_START_TIMEOUT_MS = 60_000;
/** An IPC request to the child that takes longer than this is a hung child. */
const CHILD_REQUEST_TIMEOUT_MS = 10 * 60_000;

/** How long a child may take to close when asked before it is killed. */
const CHILD_CLOSE_MS = 5_000;

/**
 * Stops a forked child at cleanup: asks it to close over IPC (SIGTERM when the channel is gone), then SIGKILL
 * after CHILD_CLOSE_MS; on process exit, SIGKILL at once.
 */
export function stopOnCleanup(cleanup: Cleanup, name: string, child: ChildProcess, closeMessage: object): void {
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = (): void => {
    if (running()) child.kill('SIGKILL');
  };
  cleanup.add(
    `stop ${name}`,
    () =>
      new Promise<void>((resolve) => {
        if (!running()) return resolve();
        const timer = setTimeout(() => {
          kill();
          resolve();
        }, CHILD_CLOSE_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send(closeMessage);
        else child.kill('SIGTERM');
      }),
    kill,
  );
}

/** Undo actions, run last-in first-out. Also run synchronously on process exit, as a last resort. */
export class Cleanup {
  private readonly actions: { name: string; run: () => void | Promise<void>; onExit?: () => void }[] = [];
  private readonly exitHook = (): void => {
    for (const action of this.actions.splice(0).reverse()) {
      try {
        action.onExit?.();
      } catch {
        // Best effort while the process exits.
      }
    }
  };

  constructor() {
    process.on('exit', this.exitHook);
  }

  /** `onExit` must be synchronous: it runs in the 'exit' event if `run` never got the chance. */
  add(name: string, run: () => void | Promise<void>, onExit?: () => void): void {
    this.actions.push({ name, run, ...(onExit ? { onExit } : {}) });
  }

  tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
    this.add(`remove ${dir}`, remove, remove);
    return dir;
  }

  /** Runs every action, newest first; reports (does not throw) the ones that fail. */
  async runAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const action of this.actions.splice(0).reverse()) {
      try {
        await action.run();
      } catch (error) {
        failures.push(`${action.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    process.off('exit', this.exitHook);
    return failures;
  }
}

type Reply<T extends ChildReply['type']> = Extract<ChildReply, { type: T }>;

/** The sandbox in a child process (test/bench/sandbox-child.ts), driven over IPC and its control API. */
export class SandboxChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: ChildReply) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly info: SandboxInfo,
  ) {
    child.on('message', (raw: unknown) => {
      const reply = raw as ChildReply;
      if (reply.type === 'ready') return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      clearTimeout(waiter.timer);
      if (reply.type === 'error') waiter.reject(new Error(`sandbox child: ${reply.message}`));
      else waiter.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`the sandbox child exited (code ${code}, signal ${signal})`);
      for (const [id, waiter] of this.pending) {
        clearTimeout(waiter.timer);
        waiter.reject(this.exited);
        this.pending.delete(id);
      }
    });
  }

  static async start(cleanup: Cleanup): Promise<SandboxChild> {
    const dataDir = cleanup.tempDir('relaydesk-bench-sandbox-');
    const child = fork(path.join(__dirname, 'sandbox-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    stopOnCleanup(cleanup, `sandbox child ${child.pid}`, child, { type: 'close', id: 0 } satisfies ChildRequest);
    const info = await new Promise<SandboxInfo>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sandbox child did not start within ${SANDBOX_START_TIMEOUT_MS} ms`)), SANDBOX_START_TIMEOUT_MS);
      child.on('message', (raw: unknown) => {
        const reply = raw as ChildReply;
        if (reply.type !== 'ready') return;
        clearTimeout(timer);
        resolve(reply.sandbox);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox child exited while starting (code ${code}, signal ${signal})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // Global fetch, msal-node and the Graph SDK of this process must trust the sandbox's CA.
    trustCertificateAuthority(info.caCertPem);
    return new SandboxChild(child, info);
  }

  /** Throws once the child has exited: there is no point in waiting for a sandbox that is gone. */
  assertAlive(): void {
    if (this.exited) throw this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends ChildReply['type']>(type: T, request: DistributiveOmit<ChildRequest, 'id'>): Promise<Reply<T>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<Reply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the sandbox child did not answer '${request.type}' within ${CHILD_REQUEST_TIMEOUT_MS} ms`));
      }, CHILD_REQUEST_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (reply) => (reply.type === type ? resolve(reply as Reply<T>) : reject(new Error(`expected '${type}' from the sandbox child, got '${reply.type}'`))),
        reject,
        timer,
      });
      this.child.send({ ...request, id } as ChildRequest);
    });
  }

  /** The child's CPU time (ms, user + system) and RSS (MB) so far. */
  async usage(): Promise<{ cpuMs: number; rssMb: number }> {
    const reply = await this.request('usage', { type: 'usage' });
    return { cpuMs: (reply.cpu.user + reply.cpu.system) / 1000, rssMb: reply.rss / 1024 / 1024 };
  }

  /** Calls the sandbox control API (`/sandbox/...`). */
  async control<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.info.baseUrl}${pathname}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`sandbox ${method} ${pathname}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Throws once `deadline` (epoch ms) has passed: every loop of the benchmark checks it. */
export function assertBefore(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new Error(`${what} did not finish before the benchmark's time limit`);
}

/** The sandbox's counters for these mailboxes, summed (the highest in-flight count of any of them). */
export interface SandboxStats {
  requests: number;
  throttledUnits: number;
  throttled429: number;
  maxInFlight: number;
  earlyRequests: number;
}

export async function sandboxStats(sandbox: SandboxChild, addresses: readonly string[]): Promise<SandboxStats> {
  const total: SandboxStats = { requests: 0, throttledUnits: 0, throttled429: 0, maxInFlight: 0, earlyRequests: 0 };
  for (const address of addresses) {
    const s = await sandbox.control<SandboxStats>('GET', `/sandbox/stats?mailbox=${encodeURIComponent(address)}`);
    total.requests += s.requests;
    total.throttledUnits += s.throttledUnits;
    total.throttled429 += s.throttled429;
    total.earlyRequests += s.earlyRequests;
    total.maxInFlight = Math.max(total.maxInFlight, s.maxInFlight);
  }
  return total;
}

/** Requests to the sandbox's token endpoint by grant type (authorization_code, refresh_token, client_credentials, other). */
export type TokenRequests = Record<string, number>;

/**
 * The sandbox's token endpoint requests since its stats were last reset (POST /sandbox/stats/reset), whoever
 * sent them: the app asks Entra for tokens, not a mailbox, so they are in the sandbox's totals only.
 */
export async function tokenRequests(sandbox: SandboxChild): Promise<TokenRequests> {
  const stats = await sandbox.control<{ identity?: { tokenRequests?: TokenRequests } }>('GET', '/sandbox/stats');
  if (!stats.identity?.tokenRequests) throw new Error('the sandbox reports no identity.tokenRequests in GET /sandbox/stats');
  return stats.identity.tokenRequests;
}

/** The sum of a count by kind. */
export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
