import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { startDemoTrickle, seedDemoTenant, type DemoTrickle } from './demo-tenant';
import { Directory, RELAYDESK_APP_ROLES, type AppRegistration } from './directory';
import { FaultInjector } from './faults';
import { createDispatcher } from './graph/dispatcher';
import type { SandboxServices } from './graph/graph-types';
import { graphRoutes } from './graph/routes';
import { MESSAGE_ID_HOST } from './graph/send-mail';
import { SubscriptionService } from './graph/subscriptions';
import { createHttpApp } from './http-app';
import { GrantStore } from './identity/grants';
import { IdentityService } from './identity/identity-service';
import { loadSigningKey } from './identity/jwt';
import { IdentityStateFile } from './identity/state-file';
import { MailStore } from './mail-store';
import { EXCHANGE_LIMITS, Throttle, type ThrottleLimits } from './throttle';
import { ensureSandboxTls } from './tls-ca';
import { DEFAULT_SENT_ITEMS_DELAY_MS, Transport } from './transport';

/**
 * The Exchange Online sandbox: Graph mail and Entra-shaped identity over HTTPS with a local CA. Started by
 * server/sandbox/main.ts (standalone), by server/sandbox-mode.ts (the one module of Relaydesk that imports it,
 * when no Microsoft app is configured) and by tests and benchmarks.
 */

export interface SandboxOptions {
  /** 0 = random; default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The CA is kept in `${dataDir}/sandbox-ca/` and reused; identity state in `${dataDir}/sandbox-state/`. */
  dataDir: string;
  /** Seed the demo tenant (admin, two agents, support mailbox, customer mailboxes). Default false. */
  seedDemo?: boolean;
  /** A trickle of realistic demo mail into the support mailbox (needs seedDemo). Default false. */
  demoMail?: boolean;
  logger?: Logger;
  /** Extension: throttling limits (tests lower them; the defaults are Exchange Online's). */
  throttle?: Partial<ThrottleLimits>;
  /** Extension: how long after sendMail's 202 the Sent Items copy and local deliveries land. Default 50 ms. */
  sentItemsDelayMs?: number;
}

export interface RunningSandbox {
  /** e.g. https://localhost:PORT (hostname `localhost`, because MSAL caches by host:port). */
  baseUrl: string;
  graphBaseUrl: string;
  tenantId: string;
  /** `${baseUrl}/${tenantId}/`; use with knownAuthorities [host:port]. */
  authority: string;
  caCertPem: string;
  caCertPath: string;
  /** Extension: base64 SHA-256 of the CA's public key, for Chromium's --ignore-certificate-errors-spki-list. */
  caSpkiSha256: string;
  /** The `localhost` certificate (chain: leaf + CA) and key the sandbox serves, for servers beside it. */
  localhostTls: { certPem: string; keyPem: string };
  app: { clientId: string; clientSecret: string; apiAudience: string; apiScope: string };
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const sentItemsDelayMs = options.sentItemsDelayMs ?? DEFAULT_SENT_ITEMS_DELAY_MS;
  if (!Number.isFinite(sentItemsDelayMs) || sentItemsDelayMs < 0) throw new RangeError(`sentItemsDelayMs must be a non-negative number, got ${String(options.sentItemsDelayMs)}`);
  const throttle = new Throttle({ ...EXCHANGE_LIMITS, ...(options.throttle ?? {}) });
  if (options.demoMail && !options.seedDemo) logger.warn('sandbox demoMail needs seedDemo; no demo mail will be delivered');
  const tls = ensureSandboxTls(path.join(options.dataDir, 'sandbox-ca'));
  if (tls.caStatus === 'replaced') logger.warn({ ca: tls.caCertPath }, 'sandbox CA replaced by one limited to localhost names: trust the new ca.pem (browsers, NODE_EXTRA_CA_CERTS)');
  const stateFile = new IdentityStateFile(path.join(options.dataDir, 'sandbox-state', 'identity.json'));
  const state = stateFile.state;

  // The app is bound after listen, because every URL the services hand out needs the port.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Serve the chain (leaf + CA): Chromium's --ignore-certificate-errors-spki-list can then match the CA's key.
  const server = https.createServer({ key: tls.serverKeyPem, cert: `${tls.serverCertPem.trim()}\n${tls.caCertPem.trim()}\n` }, (req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  server.on('tlsClientError', (err) => logger.debug({ err }, 'sandbox TLS handshake failed (is the sandbox CA trusted?)'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `https://localhost:${port}`;
  const graphBaseUrl = `${baseUrl}/v1.0`;

  const app: AppRegistration = {
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    displayName: 'Relaydesk',
    tenantId: state.tenantId,
    apiAudience: state.clientId,
    apiIdentifierUri: `api://${state.clientId}`,
    apiScopes: ['access_as_user'],
    appRoles: [...RELAYDESK_APP_ROLES],
    graphDelegatedPermissions: ['Mail.ReadWrite', 'Mail.Send', 'User.Read'],
    graphApplicationPermissions: ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All'],
  };
  const directory = new Directory({ id: state.tenantId, displayName: 'Sandbox tenant', domains: new Set() }, app);

  let saveScheduled = false;
  const saveGrants = (): void => stateFile.saveRefreshTokens(grants.liveRefreshRecords());
  const grants: GrantStore = new GrantStore(() => {
    if (saveScheduled) return;
    saveScheduled = true;
    setImmediate(() => {
      saveScheduled = false;
      saveGrants();
    });
  }, state.refreshTokens);
  const identity = new IdentityService(directory, grants, loadSigningKey(state.signingKeyPem), baseUrl);
  const store = new MailStore(MESSAGE_ID_HOST);
  const transport = new Transport(store, directory, logger, sentItemsDelayMs);
  const subscriptions = new SubscriptionService(store, directory, logger, graphBaseUrl);
  identity.onRevoke((user) => subscriptions.onRevoke(user));

  const services: SandboxServices = {
    baseUrl,
    graphBaseUrl,
    directory,
    store,
    identity,
    throttle,
    faults: new FaultInjector(),
    transport,
    subscriptions,
    logger,
    dispatch: createDispatcher(graphRoutes(subscriptions), () => services),
  };

  if (options.seedDemo) seedDemoTenant(directory, store);
  let trickle: DemoTrickle | undefined;
  if (options.seedDemo && options.demoMail) trickle = startDemoTrickle({ store, transport, logger });

  const authority = `${baseUrl}/${state.tenantId}/`;
  handler = createHttpApp(services, { baseUrl, tenantId: state.tenantId, authority, caCertPath: tls.caCertPath, caSpkiSha256: tls.caSpkiSha256 });
  logger.info({ baseUrl, tenantId: state.tenantId }, 'sandbox listening');

  let closed: Promise<void> | undefined;
  return {
    baseUrl,
    graphBaseUrl,
    tenantId: state.tenantId,
    authority,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    caSpkiSha256: tls.caSpkiSha256,
    localhostTls: { certPem: `${tls.serverCertPem.trim()}\n${tls.caCertPem.trim()}\n`, keyPem: tls.serverKeyPem },
    app: { clientId: app.clientId, clientSecret: app.clientSecret, apiAudience: app.apiAudience, apiScope: `${app.apiIdentifierUri}/access_as_user` },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        trickle?.stop();
        transport.close();
        subscriptions.close();
        saveGrants();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

export { DemoMailGenerator, type DemoMail, type DemoMailKind, type DemoMailOptions } from './demo-mail';
export { DEMO } from './demo-tenant';
