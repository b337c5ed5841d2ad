import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { MailboxClients, type MailboxClientOptions } from '../../server/graph/mailbox-clients';
import { createApp } from '../../server/http/app';
import { DEFAULT_SYNC_SETTINGS, type SyncDeps, type SyncSettings } from '../../server/inbound/sync/mailbox-sync';
import { MailboxLinking } from '../../server/identity/mailbox-linking';
import { MailboxTokens } from '../../server/identity/mailbox-tokens';
import type { MicrosoftApp } from '../../server/identity/microsoft-app';
import { TokenVerifier } from '../../server/identity/token-verifier';
import { generateVaultKeyText, parseVaultKey, TokenVault } from '../../server/identity/token-vault';
import { startSandbox, type RunningSandbox } from '../../server/sandbox';
import { sandboxMicrosoftApp } from '../../server/sandbox-mode';
import type { DatabaseTarget } from '../../server/store/database';
import type { MailboxRow } from '../../server/store/schema';
import type { Store } from '../../server/store/store';
import { trustCertificateAuthority } from '../../server/tls/trust-ca';
import { openTestStore } from './database';

/**
 * Relaydesk's real app, store, linking and token services wired to a fresh Exchange Online sandbox, as
 * main.ts wires them when no Microsoft app is configured.
 */
export interface RelaydeskWithSandbox {
  sandbox: RunningSandbox;
  store: Store;
  /** Where the store lives (a SQLite file, or a PostgreSQL schema). */
  target: DatabaseTarget;
  app: Express;
  microsoft: MicrosoftApp;
  vault: TokenVault;
  tokens: MailboxTokens;
  redirectUri: string;
  /** A linking service over the same store, e.g. with another link lifetime. */
  linking(options?: { linkTtlMs?: number }): MailboxLinking;
  /** Calls the sandbox control API. */
  control<T = unknown>(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** An access token for the Relaydesk API, as the task pane would get it for this sandbox user. */
  apiToken(upn: string): Promise<string>;
  /** Graph clients with per-mailbox governors, as the server runs them. */
  clients: MailboxClients;
  /** Everything a sync needs, with optional overrides. */
  syncDeps(overrides?: { settings?: Partial<SyncSettings>; clients?: MailboxClients }): SyncDeps;
  /** New Graph clients (fresh governors), e.g. with a faster retry policy. */
  newClients(options?: MailboxClientOptions): MailboxClients;
  /** Creates the sandbox mailbox if needed and links it through the admin API and the consent page. */
  linkMailbox(address: string): Promise<MailboxRow>;
  /** Answers the sandbox consent page for `upn` and returns the query Microsoft would redirect with. */
  consent(authorizeUrl: string, upn: string, answer: 'accept' | 'cancel'): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
const LINKING_ADMIN = 'harness-admin@contoso.test';

/** Answers the sandbox consent page for `upn` and returns the query Microsoft would redirect with. */
async function consent(authorizeUrl: string, upn: string, answer: 'accept' | 'cancel'): Promise<Record<string, string>> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('sandbox_user', upn);
  url.searchParams.set('sandbox_consent', answer);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`consent for ${upn} did not redirect: ${response.status} ${await response.text()}`);
  const redirect = new URL(location);
  if (`${redirect.origin}${redirect.pathname}` !== REDIRECT_URI) throw new Error(`consent redirected elsewhere: ${location}`);
  return Object.fromEntries(redirect.searchParams);
}
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startRelaydeskWithSandbox(): Promise<RelaydeskWithSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-sandbox-'));
  const sandbox = await startSandbox({ dataDir, port: 0 });
  trustCertificateAuthority(sandbox.caCertPem);
  const { store, target, cleanup } = await openTestStore();
  const microsoft: MicrosoftApp = sandboxMicrosoftApp(sandbox);
  const vault = new TokenVault(parseVaultKey(generateVaultKeyText()));
  const tokens = new MailboxTokens(microsoft, store, vault, silent);
  const linking = (options: { linkTtlMs?: number } = {}) =>
    new MailboxLinking(microsoft, REDIRECT_URI, store, vault, silent, undefined, { ...options, onTokensChanged: (id) => tokens.forget(id) });
  const app = createApp({
    store,
    logger: silent,
    tokenVerifier: new TokenVerifier({ authority: sandbox.authority, audience: sandbox.app.apiAudience, tenantIds: [sandbox.tenantId], apiScope: sandbox.app.apiScope }),
    microsoft: { app: microsoft, linking: linking(), officeJsUrl: 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js', publicOrigin: 'http://localhost:3000' },
  });

  const newClients = (options: MailboxClientOptions = {}) => new MailboxClients(microsoft.graph, (id, forceRefresh) => tokens.accessToken(id, { forceRefresh }), options);
  const clients = newClients();

  const control = async <T>(method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${sandbox.baseUrl}${pathname}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    sandbox,
    store,
    target,
    app,
    microsoft,
    vault,
    tokens,
    clients,
    newClients,
    syncDeps: (overrides = {}) => ({
      store,
      clients: overrides.clients ?? clients,
      logger: silent,
      settings: { ...DEFAULT_SYNC_SETTINGS, messageIdDomain: 'relaydesk.test', ...overrides.settings },
    }),
    async linkMailbox(address) {
      await control('POST', '/sandbox/mailboxes', { address });
      await control('POST', '/sandbox/users', { upn: LINKING_ADMIN, roles: ['Relaydesk.Admin'] });
      const adminToken = (await control<{ access_token: string }>('POST', '/sandbox/tokens', { upn: LINKING_ADMIN, audience: sandbox.app.apiAudience })).body.access_token;
      const started = await request(app).post('/api/mailboxes').set('Authorization', `Bearer ${adminToken}`).send({ address });
      if (started.status !== 201) throw new Error(`linking ${address} failed to start: ${started.status} ${JSON.stringify(started.body)}`);
      const query = await consent(started.body.authorizeUrl as string, address, 'accept');
      const done = await request(app).get('/oauth/callback').query(query);
      if (done.status !== 200) throw new Error(`linking ${address} failed: ${done.text}`);
      const row = await store.mailboxes.findByAddress(address);
      if (!row) throw new Error(`${address} vanished after linking`);
      return row;
    },
    redirectUri: REDIRECT_URI,
    linking,
    control,
    async apiToken(upn) {
      const { status, body } = await control<{ access_token: string }>('POST', '/sandbox/tokens', { upn, audience: sandbox.app.apiAudience });
      if (status !== 200) throw new Error(`sandbox refused a token for ${upn}: ${status}`);
      return body.access_token;
    },
    consent,
    async close() {
      await sandbox.close();
      await cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
