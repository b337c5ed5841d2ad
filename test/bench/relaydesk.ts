import type { Express } from 'express';
import request from 'supertest';
import type { MailboxClients } from '../../server/graph/mailbox-clients';
import type { MailboxTokens } from '../../server/identity/mailbox-tokens';
import type { SyncDeps, SyncSettings } from '../../server/inbound/sync/mailbox-sync';
import type { Logger } from '../../server/logger';
import type { MailboxRow } from '../../server/store/schema';
import type { Store } from '../../server/store/store';
import { createRelaydesk } from '../../server/wiring';
import { testConfig } from '../support/test-config';
import type { Cleanup, SandboxChild } from './harness';

/**
 * Relaydesk as createRelaydesk builds it (a fresh SQLite file in its own data folder), wired to the sandbox
 * child; nothing runs on its own: each scenario drives syncs and relays itself.
 */
export interface RelaydeskInstance {
  store: Store;
  /** Graph clients with one governor per mailbox; counters() are this instance's requests only. */
  clients: MailboxClients;
  /** Access tokens of the linked mailboxes (what the clients' governed middleware asks for on every request). */
  tokens: MailboxTokens;
  logger: Logger;
  /** Creates the sandbox mailbox if needed and links it through the admin API and the consent page. */
  linkMailbox(address: string): Promise<MailboxRow>;
  syncDeps(settings: Partial<SyncSettings>, onIngested?: SyncDeps['onIngested']): SyncDeps;
}

const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
const LINKING_ADMIN = 'bench-admin@contoso.test';
const CONSENT_TIMEOUT_MS = 30_000;

export async function startRelaydesk(sandbox: SandboxChild, cleanup: Cleanup, name: string): Promise<RelaydeskInstance> {
  const dir = cleanup.tempDir(`relaydesk-bench-${name}-`);
  const { config } = testConfig({ DATA_DIR: dir, OAUTH_REDIRECT_URI: REDIRECT_URI, MESSAGE_ID_DOMAIN: 'relaydesk.bench.test', LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'silent', INSTANCE_ID: `bench-${name}` });
  const rd = await createRelaydesk(config, { sandbox: sandbox.info });
  cleanup.add(`close the ${name} instance`, () => rd.close());
  // Warm before anything is measured, as the server has its workers before it syncs.
  await rd.parsePool.warmUp();
  const { store, clients, tokens, logger, app, parsePool } = rd;

  return {
    store,
    clients,
    tokens,
    logger,
    linkMailbox: (address) => linkMailbox(sandbox, app, store, address),
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
  await sandbox.control('POST', '/sandbox/users', { upn: LINKING_ADMIN, roles: ['Relaydesk.Admin'] });
  const adminToken = (await sandbox.control<{ access_token: string }>('POST', '/sandbox/tokens', { upn: LINKING_ADMIN, audience: sandbox.info.app.apiAudience })).access_token;
  const started = await request(app).post('/api/mailboxes').set('Authorization', `Bearer ${adminToken}`).send({ address });
  if (started.status !== 201) throw new Error(`linking ${address} failed to start: ${started.status} ${JSON.stringify(started.body)}`);
  const query = await consent(started.body.authorizeUrl as string, address, redirectUri);
  const done = await request(app).get(new URL(redirectUri).pathname).query(query);
  if (done.status !== 200) throw new Error(`linking ${address} failed: ${done.status} ${done.text.slice(0, 500)}`);
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
