import type { Express } from 'express';
import request from 'supertest';
import type { MailboxClientOptions, MailboxClients } from '../../server/graph/mailbox-clients';
import type { AppServices } from '../../server/http/app';
import type { SyncDeps, SyncSettings } from '../../server/inbound/sync/mailbox-sync';
import type { MailboxLinking } from '../../server/identity/mailbox-linking';
import type { MailboxTokens } from '../../server/identity/mailbox-tokens';
import type { MicrosoftApp } from '../../server/identity/microsoft-app';
import type { TokenVault } from '../../server/identity/token-vault';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../server/sandbox';
import type { DatabaseTarget } from '../../server/store/database';
import type { MailboxRow } from '../../server/store/schema';
import type { Store } from '../../server/store/store';
import { createRelaydesk, graphClients, mailboxLinking } from '../../server/wiring';
import { openTestStore } from './database';
import { TEST_SENDING_DELAYS } from './sandbox';
import { testConfig } from './test-config';

/**
 * Relaydesk as createRelaydesk builds it (server/wiring.ts), over a test store and a fresh Exchange Online
 * sandbox started in this process. Nothing is listening or running: tests call the app and the services.
 */
export interface RelaydeskWithSandbox {
  sandbox: RunningSandbox;
  store: Store;
  /** Where the store lives (a SQLite file, or a PostgreSQL schema). */
  target: DatabaseTarget;
  app: Express;
  /** The domain services behind the API (for an app built with another verifier or logger). */
  services: AppServices;
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
/** `sandbox`: options for a test about the sandbox's sending behaviour; others get short delays (TEST_SENDING_DELAYS). */
export async function startRelaydeskWithSandbox(options: { sandbox?: Omit<Partial<SandboxOptions>, 'dataDir' | 'port'> } = {}): Promise<RelaydeskWithSandbox> {
  const { config, dataDir, removeDataDir } = testConfig({ OAUTH_REDIRECT_URI: REDIRECT_URI });
  const sandbox = await startSandbox({ ...TEST_SENDING_DELAYS, ...options.sandbox, dataDir, port: 0 });
  const { store, target, cleanup } = await openTestStore();
  const rd = await createRelaydesk(config, { store, sandbox });
  const { app, microsoft, vault, tokens, clients } = rd;
  const linking = (options: { linkTtlMs?: number } = {}) => mailboxLinking(rd, options);
  const newClients = (options: MailboxClientOptions = {}) => graphClients(microsoft, tokens, options);

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
    services: rd.services,
    microsoft,
    vault,
    tokens,
    clients,
    newClients,
    syncDeps: (overrides = {}) => ({
      ...rd.syncDeps,
      clients: overrides.clients ?? clients,
      settings: { ...rd.syncSettings, ...overrides.settings },
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
      await rd.close();
      await sandbox.close();
      await cleanup();
      removeDataDir();
    },
  };
}
