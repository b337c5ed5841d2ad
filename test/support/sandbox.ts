import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
  type GraphError,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../server/sandbox';
import { trustCertificateAuthority } from '../../server/sandbox-mode';

/**
 * Starts the Exchange Online sandbox for one test file: a random port, a fresh temporary data folder, and the
 * sandbox CA trusted by this process (trustCertificateAuthority: undici's global dispatcher, which global
 * fetch, and so msal-node and the Graph SDK, use). Tests then talk to it only through the real SDKs, plus the
 * plain-JSON control API under /sandbox/.
 */

export interface TestSandbox {
  sandbox: RunningSandbox;
  dataDir: string;
  /** host:port, for MSAL's knownAuthorities. */
  host: string;
  control: SandboxControl;
  /** A Graph SDK client for the sandbox; `retries: false` drops the SDK's RetryHandler to observe 429/503. */
  graph(token: string | (() => Promise<string>), options?: { retries?: boolean }): Client;
  close(): Promise<void>;
}

/**
 * Sending delays for tests that are not about them: Exchange's own (a message sits up to 2 s in Drafts, and
 * its Sent Items copy comes 1 to 30 s after it left) would only slow them. A test about them passes its own.
 */
export const TEST_SENDING_DELAYS = { outboxDelayMs: 0, sentItemsDelayMs: 50 } as const;

export async function startTestSandbox(options: Omit<Partial<SandboxOptions>, 'dataDir'> & { dataDir?: string } = {}): Promise<TestSandbox> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-sandbox-'));
  const sandbox = await startSandbox({ port: 0, ...TEST_SENDING_DELAYS, ...options, dataDir });
  trustCertificateAuthority(sandbox.caCertPem);
  const control = new SandboxControl(sandbox.baseUrl);
  return {
    sandbox,
    dataDir,
    host: new URL(sandbox.baseUrl).host,
    control,
    graph: (token, graphOptions = {}) => graphClient(sandbox, token, graphOptions.retries ?? true),
    close: async () => {
      await sandbox.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function graphClient(sandbox: RunningSandbox, token: string | (() => Promise<string>), retries = true): Client {
  const authProvider: AuthenticationProvider = { getAccessToken: async () => (typeof token === 'string' ? token : token()) };
  const chain: Middleware[] = [new AuthenticationHandler(authProvider)];
  if (retries) chain.push(new RetryHandler(new RetryHandlerOptions()));
  chain.push(new TelemetryHandler(), new HTTPMessageHandler());
  for (let i = 0; i < chain.length - 1; i++) chain[i]?.setNext?.(chain[i + 1] as Middleware);
  return Client.initWithMiddleware({
    middleware: chain[0] as Middleware,
    baseUrl: sandbox.baseUrl,
    // The SDK attaches the bearer token only for Graph hosts or these (hostname, without port).
    customHosts: new Set(['localhost']),
    defaultVersion: 'v1.0',
  });
}

export interface SentMessage {
  /** The message's REST id now (it changes as the message moves from Drafts to the Outbox to Sent Items). */
  id: string;
  internetMessageId: string;
  mime: string;
  /** ISO times: accepted; left the Outbox (null while it waits there); filed in Sent Items (null until then). */
  submittedAt: string;
  sentAt: string | null;
  filedAt: string | null;
}

export interface SandboxStats {
  requests: number;
  throttledUnits: number;
  throttled429: number;
  maxInFlight: number;
  /** Requests that arrived before a Retry-After the mailbox was given had elapsed. */
  earlyRequests: number;
  /** 504s answered to the mailbox's requests. */
  gatewayTimeouts: number;
  /** Delta query requests, and message listings, answered for the mailbox. */
  deltaRequests: number;
  listRequests: number;
}

/** The control API as plain HTTP JSON (the one part of the sandbox tests may call without an SDK). */
export class SandboxControl {
  constructor(readonly baseUrl: string) {}

  async call<T = unknown>(method: string, pathname: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { 'Content-Type': contentType };
      init.body = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}/sandbox${pathname}`, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private async ok<T>(method: string, pathname: string, body?: unknown, contentType?: string): Promise<T> {
    const r = await this.call<T>(method, pathname, body, contentType);
    if (r.status >= 400) throw new Error(`sandbox control ${method} ${pathname} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  createUser(input: { upn: string; displayName?: string; roles?: string[]; mailbox?: boolean; tenantId?: string }): Promise<{ id: string; upn: string; tenantId: string }> {
    return this.ok('POST', '/users', input);
  }

  createMailbox(address: string, displayName?: string): Promise<{ id: string; address: string }> {
    return this.ok('POST', '/mailboxes', { address, ...(displayName ? { displayName } : {}) });
  }

  deliver(address: string, mime: string | Buffer, query: Record<string, string> = {}): Promise<{ id: string; internetMessageId: string }> {
    const qs = new URLSearchParams(query).toString();
    return this.ok('POST', `/mailboxes/${encodeURIComponent(address)}/deliver${qs ? `?${qs}` : ''}`, mime, 'message/rfc822');
  }

  sent(address: string): Promise<SentMessage[]> {
    return this.ok('GET', `/mailboxes/${encodeURIComponent(address)}/sent`);
  }

  stats(mailbox: string): Promise<SandboxStats> {
    return this.ok('GET', `/stats?mailbox=${encodeURIComponent(mailbox)}`);
  }

  setFaults(faults: {
    rate429?: number;
    retryAfterSeconds?: number;
    rate503?: number;
    rate500?: number;
    rate502?: number;
    rate504?: number;
    afterEffect?: boolean;
    latencyMs?: number;
    resetRate?: number;
    mailbox?: string;
    pathPattern?: string;
  }): Promise<unknown> {
    return this.ok('PUT', '/faults', faults);
  }

  revoke(upn: string): Promise<{ revokedRefreshTokens: number }> {
    return this.ok('POST', '/grants/revoke', { upn });
  }

  async token(input: { upn?: string; scopes?: string[]; roles?: string[]; audience?: string; expiresInSeconds?: number }): Promise<string> {
    const r = await this.ok<{ access_token: string }>('POST', '/tokens', input);
    return r.access_token;
  }
}

/** Polls until `check` returns a value (the sandbox, like Exchange, files some things asynchronously). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Decodes a JWT's payload without verifying it (the tests verify signatures separately, with jose). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * What a browser does with an authorize URL, minus the clicking: the sandbox's documented automation
 * shortcut (sandbox_user / sandbox_consent) answers the consent page, and the redirect's parameters
 * (query or fragment) come back as a map.
 */
export async function answerConsent(authorizeUrl: string, upn: string, answer: 'accept' | 'cancel' = 'accept'): Promise<{ status: number; params: URLSearchParams; location: string }> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('sandbox_user', upn);
  url.searchParams.set('sandbox_consent', answer);
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location') ?? '';
  const target = location ? new URL(location) : undefined;
  const raw = target ? (target.hash ? target.hash.slice(1) : target.search.slice(1)) : '';
  return { status: res.status, params: new URLSearchParams(raw), location };
}

/** The GraphError a Graph SDK request failed with; fails the test when it succeeded. */
export async function graphError(request: Promise<unknown>): Promise<GraphError> {
  const error = await request.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!error) throw new Error('expected the request to fail');
  return error as GraphError;
}

/** Expects an msal-node error from Entra (or the sandbox): its OAuth error code and its AADSTS number. */
export async function expectAadError(p: Promise<unknown>, errorCode: string, aadsts: number): Promise<void> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { errorCode?: string; errorMessage?: string } | undefined;
  expect(err).toBeDefined();
  expect(err?.errorCode).toBe(errorCode);
  expect(err?.errorMessage).toContain(`AADSTS${aadsts}:`);
}
