import type { Express } from 'express';
import request from 'supertest';
import type { MailboxClients } from '../../server/graph/mailbox-clients';
import type { AppTokens } from '../../server/identity/app-tokens';
import type { MailboxTokens } from '../../server/identity/mailbox-tokens';
import type { SyncDeps, SyncSettings } from '../../server/inbound/sync/mailbox-sync';
import type { Logger } from '../../server/logger';
import type { MailboxView } from '../../server/mailboxes/mailbox-view';
import type { MailboxRow } from '../../server/store/schema';
import type { Store } from '../../server/store/store';
import { createRelaydesk } from '../../server/wiring';
import { freePort } from '../support/processes/relaydesk-server';
import { testConfig } from '../support/test-config';
import type { Cleanup, SandboxChild } from './harness';

/**
 * Relaydesk as createRelaydesk builds it (a fresh SQLite file in its own data folder), wired to the sandbox
 * child; nothing runs on its own: each scenario drives syncs and relays itself.
 */
export interface RelaydeskInstance {
  /** How this instance links its mailboxes (see RelaydeskOptions.mode). */
  mode: LinkMode;
  store: Store;
  /** Graph clients with one governor per mailbox; counters() are this instance's requests only. */
  clients: MailboxClients;
  /** Access tokens of the linked mailboxes (what the clients' governed middleware asks for on every request). */
  tokens: MailboxTokens;
  /** The app's own tokens, one per tenant (application mode): counters().requests are its requests to Entra. */
  appTokens: AppTokens;
  logger: Logger;
  /**
   * Creates the sandbox mailbox if needed and links it: delegated through the admin API and the consent page,
   * application by address alone (linkMailboxAppOnly).
   */
  linkMailbox(address: string): Promise<MailboxRow>;
  syncDeps(settings: Partial<SyncSettings>, onIngested?: SyncDeps['onIngested']): SyncDeps;
}

export type LinkMode = 'delegated' | 'application';

export interface RelaydeskOptions {
  /**
   * 'delegated' (default): each mailbox is a sandbox user who consents, and has its own refresh token.
   * 'application': the instance signs its token requests with the sandbox app's certificate, and each mailbox
   * is a shared one, linked with the app's own token for the tenant.
   */
  mode?: LinkMode;
}

const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
const LINKING_ADMIN = 'bench-admin@contoso.test';
const CONSENT_TIMEOUT_MS = 30_000;
/**
 * The mailbox every application-mode link names as out of the app's reach: the link proves the app cannot
 * read it, so a scope that leaked to the whole tenant would stop the benchmark instead of flattering it.
 */
export const OUT_OF_SCOPE_ADDRESS = 'bench-outside@contoso.test';

export async function startRelaydesk(sandbox: SandboxChild, cleanup: Cleanup, name: string, options: RelaydeskOptions = {}): Promise<RelaydeskInstance> {
  const mode = options.mode ?? 'delegated';
  const dir = cleanup.tempDir(`relaydesk-bench-${name}-`);
  const { config } = testConfig({ DATA_DIR: dir, OAUTH_REDIRECT_URI: REDIRECT_URI, MESSAGE_ID_DOMAIN: 'relaydesk.bench.test', LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'silent', INSTANCE_ID: `bench-${name}` });
  // A certificate, as production prefers for the client credentials flow; delegated instances keep the secret.
  const rd = await createRelaydesk(config, { sandbox: sandbox.info, ...(mode === 'application' ? { sandboxCredential: 'certificate' as const } : {}) });
  cleanup.add(`close the ${name} instance`, () => rd.close());
  // Warm before anything is measured, as the server has its workers before it syncs.
  await rd.parsePool.warmUp();
  const { store, clients, tokens, appTokens, logger, app, parsePool } = rd;
  // The app's scope: this instance's application-mode mailboxes, and nothing else.
  const scope = new Set<string>();

  return {
    mode,
    store,
    clients,
    tokens,
    appTokens,
    logger,
    linkMailbox: (address) => (mode === 'application' ? linkMailboxAppOnly(sandbox, app, store, address, scope) : linkMailbox(sandbox, app, store, address)),
    syncDeps: (settings, onIngested) => ({
      store,
      clients,
      logger,
      settings: { ...rd.syncSettings, ...settings },
      parsePool,
      ...(onIngested ? { onIngested } : {}),
    }),
  };
}

/** Links through the admin API and the sandbox consent page, then answers the callback as the browser would. */
export async function linkMailbox(sandbox: SandboxChild, app: Express, store: Store, address: string, redirectUri = REDIRECT_URI): Promise<MailboxRow> {
  await sandbox.control('POST', '/sandbox/mailboxes', { address });
  const adminToken = await linkingAdminToken(sandbox);
  const started = await request(app).post('/api/mailboxes').set('Authorization', `Bearer ${adminToken}`).send({ address });
  if (started.status !== 201) throw new Error(`linking ${address} failed to start: ${started.status} ${JSON.stringify(started.body)}`);
  const query = await consent(started.body.authorizeUrl as string, address, redirectUri);
  const done = await request(app).get(new URL(redirectUri).pathname).query(query);
  if (done.status !== 200) throw new Error(`linking ${address} failed: ${done.status} ${done.text.slice(0, 500)}`);
  return linkedRow(store, address);
}

/**
 * Links a shared mailbox in application mode, as an admin who followed docs/app-only.md would: the mailbox is
 * added to the app's scope (`scope`, which then holds exactly the mailboxes linked this way), and
 * POST /api/mailboxes links it at once, after Relaydesk proved it reads the Inbox, may send as the mailbox
 * and cannot read OUT_OF_SCOPE_ADDRESS. Anything but a 'scoped' link is an error.
 */
export async function linkMailboxAppOnly(sandbox: SandboxChild, app: Express, store: Store, address: string, scope: Set<string>): Promise<MailboxRow> {
  await sandbox.control('POST', '/sandbox/mailboxes', { address, shared: true });
  await sandbox.control('POST', '/sandbox/mailboxes', { address: OUT_OF_SCOPE_ADDRESS });
  scope.add(address.toLowerCase());
  await sandbox.control('POST', '/sandbox/app-scopes', { appId: sandbox.info.app.clientId, mailboxes: [...scope] });
  const adminToken = await linkingAdminToken(sandbox);
  const linked = await request(app).post('/api/mailboxes').set('Authorization', `Bearer ${adminToken}`).send({ address, mode: 'application', outOfScopeAddress: OUT_OF_SCOPE_ADDRESS });
  if (linked.status !== 201) throw new Error(`linking ${address} in application mode failed: ${linked.status} ${JSON.stringify(linked.body)}`);
  const view = (linked.body as { mailbox?: MailboxView }).mailbox;
  if (view?.authMode !== 'application' || view.appAccess?.scope !== 'scoped') throw new Error(`${address} was linked as ${JSON.stringify({ authMode: view?.authMode, appAccess: view?.appAccess })}, not application mode scoped`);
  return linkedRow(store, address);
}

/** The app-only scope the sandbox applies to the app: none again (tenant-wide), e.g. once the mode's run is over. */
export async function clearAppScope(sandbox: SandboxChild): Promise<void> {
  await sandbox.control('DELETE', `/sandbox/app-scopes/${encodeURIComponent(sandbox.info.app.clientId)}`);
}

async function linkingAdminToken(sandbox: SandboxChild): Promise<string> {
  await sandbox.control('POST', '/sandbox/users', { upn: LINKING_ADMIN, roles: ['Relaydesk.Admin'] });
  return (await sandbox.control<{ access_token: string }>('POST', '/sandbox/tokens', { upn: LINKING_ADMIN, audience: sandbox.info.app.apiAudience })).access_token;
}

async function linkedRow(store: Store, address: string): Promise<MailboxRow> {
  const row = await store.mailboxes.findByAddress(address);
  if (!row) throw new Error(`${address} vanished after linking`);
  return row;
}

/** Answers the sandbox consent page for the mailbox and returns the query Microsoft would redirect with. */
async function consent(authorizeUrl: string, upn: string, redirectUri: string): Promise<Record<string, string>> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('sandbox_user', upn);
  url.searchParams.set('sandbox_consent', 'accept');
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(CONSENT_TIMEOUT_MS) });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`consent for ${upn} did not redirect: ${response.status} ${await response.text()}`);
  const redirect = new URL(location);
  if (`${redirect.origin}${redirect.pathname}` !== redirectUri) throw new Error(`consent redirected elsewhere: ${location}`);
  return Object.fromEntries(redirect.searchParams);
}

/** The callback path of a bench server that serves HTTPS itself. */
export const SERVED_REDIRECT_PATH = '/oauth/callback';

/**
 * The config of a bench instance that serves HTTPS on a free port of its own (push, api): its origin, its data
 * folder (removed at cleanup) and `env` on top.
 */
export async function servedInstanceConfig(cleanup: Cleanup, name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  // The sandbox's localhost certificate names 127.0.0.1 too; an IP avoids localhost resolving to ::1.
  const origin = `https://127.0.0.1:${port}`;
  const { config } = testConfig({
    DATA_DIR: cleanup.tempDir(`relaydesk-bench-${name}-`),
    PORT: String(port),
    PUBLIC_ORIGIN: origin,
    OAUTH_REDIRECT_URI: `${origin}${SERVED_REDIRECT_PATH}`,
    MESSAGE_ID_DOMAIN: 'relaydesk.bench.test',
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'silent',
    INSTANCE_ID: `bench-${name}`,
    ...env,
  });
  return { config, origin };
}
