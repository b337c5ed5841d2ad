import { sandboxMicrosoftApp } from '../../server/sandbox-mode';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { MailboxClients } from '../../server/graph/mailbox-clients';
import { createApp } from '../../server/http/app';
import { MailboxLinking } from '../../server/identity/mailbox-linking';
import { MailboxTokens } from '../../server/identity/mailbox-tokens';
import type { MicrosoftApp } from '../../server/identity/microsoft-app';
import { TokenVerifier } from '../../server/identity/token-verifier';
import { generateVaultKeyText, parseVaultKey, TokenVault } from '../../server/identity/token-vault';
import { DEFAULT_PARSE_HEAP_MB, ParsePool } from '../../server/inbound/mail/parse-pool';
import { DEFAULT_SYNC_SETTINGS, type SyncDeps, type SyncSettings } from '../../server/inbound/sync/mailbox-sync';
import type { Logger } from '../../server/logger';
import type { MailboxRow } from '../../server/store/schema';
import { Store } from '../../server/store/store';
import type { Cleanup, SandboxChild } from './harness';

/**
 * Relaydesk's real store (a fresh SQLite file), app, linking, token and Graph client services, wired to the
 * sandbox as server/main.ts wires them when no Microsoft app is configured (after test/support/
 * relaydesk-with-sandbox.ts, without its jest-only parts).
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
  const { info } = sandbox;
  const dir = cleanup.tempDir(`relaydesk-bench-${name}-`);
  const store = await Store.open({ kind: 'sqlite', file: path.join(dir, 'relaydesk.db') });
  cleanup.add(`close the ${name} store`, () => store.close());
  const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' });
  const microsoft: MicrosoftApp = sandboxMicrosoftApp(info);
  const vault = new TokenVault(parseVaultKey(generateVaultKeyText()));
  const linking = new MailboxLinking(microsoft, REDIRECT_URI, store, vault, logger);
  const app = createApp({
    store,
    logger,
    tokenVerifier: new TokenVerifier({ authority: info.authority, audience: info.app.apiAudience, tenantIds: [info.tenantId], apiScope: info.app.apiScope }),
    microsoft: { app: microsoft, linking, officeJsUrl: 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js', publicOrigin: 'http://localhost:3000' },
  });
  const tokens = new MailboxTokens(microsoft, store, vault, logger);
  // Started and warm before anything is measured, as the server has it before it syncs.
  const parsePool = new ParsePool({ maxHeapMb: DEFAULT_PARSE_HEAP_MB });
  await parsePool.warmUp();
  cleanup.add(`close the ${name} parse pool`, () => parsePool.close());
  const clients = new MailboxClients(microsoft.graph, (id, forceRefresh) => tokens.accessToken(id, { forceRefresh }));

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
      settings: { ...DEFAULT_SYNC_SETTINGS, messageIdDomain: 'relaydesk.bench.test', ...settings },
      parsePool,
      ...(onIngested ? { onIngested } : {}),
    }),
  };
}

async function linkMailbox(sandbox: SandboxChild, app: Express, store: Store, address: string): Promise<MailboxRow> {
  await sandbox.control('POST', '/sandbox/mailboxes', { address });
  await sandbox.control('POST', '/sandbox/users', { upn: LINKING_ADMIN, roles: ['Relaydesk.Admin'] });
  const adminToken = (await sandbox.control<{ access_token: string }>('POST', '/sandbox/tokens', { upn: LINKING_ADMIN, audience: sandbox.info.app.apiAudience })).access_token;
  const started = await request(app).post('/api/mailboxes').set('Authorization', `Bearer ${adminToken}`).send({ address });
  if (started.status !== 201) throw new Error(`linking ${address} failed to start: ${started.status} ${JSON.stringify(started.body)}`);
  const query = await consent(started.body.authorizeUrl as string, address);
  const done = await request(app).get('/oauth/callback').query(query);
  if (done.status !== 200) throw new Error(`linking ${address} failed: ${done.status} ${done.text.slice(0, 500)}`);
  const row = await store.mailboxes.findByAddress(address);
  if (!row) throw new Error(`${address} vanished after linking`);
  return row;
}

/** Answers the sandbox consent page for the mailbox and returns the query Microsoft would redirect with. */
async function consent(authorizeUrl: string, upn: string): Promise<Record<string, string>> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('sandbox_user', upn);
  url.searchParams.set('sandbox_consent', 'accept');
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(CONSENT_TIMEOUT_MS) });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`consent for ${upn} did not redirect: ${response.status} ${await response.text()}`);
  const redirect = new URL(location);
  if (`${redirect.origin}${redirect.pathname}` !== REDIRECT_URI) throw new Error(`consent redirected elsewhere: ${location}`);
  return Object.fromEntries(redirect.searchParams);
}
