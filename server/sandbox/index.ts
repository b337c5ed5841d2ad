import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { AppScopes } from './app-scopes';
import { startDemoTrickle, seedDemoTenant, type DemoTrickle } from './demo-tenant';
import { Directory, RELAYDESK_APP_ROLES, type AppRegistration } from './directory';
import { FaultInjector } from './faults';
import { createDispatcher } from './graph/dispatcher';
import type { SandboxServices } from './graph/graph-types';
import { EXPANDED_CONTENT_MAX_BYTES } from './graph/attachments';
import { GATEWAY_TIMEOUT_PAGE_BYTES } from './graph/messages';
import { MAX_MESSAGE_BYTES } from './graph/drafts';
import { graphRoutes } from './graph/routes';
import { MESSAGE_ID_HOST } from './graph/send-mail';
import { SubscriptionService } from './graph/subscriptions';
import { UploadSessions } from './graph/upload-sessions';
import { createHttpApp } from './http-app';
import { ensureClientCertificate, KeyCredentials, parseKeyCredential } from './identity/client-certificates';
import { GrantStore } from './identity/grants';
import { IdentityService } from './identity/identity-service';
import { loadSigningKey } from './identity/jwt';
import { IdentityStateFile } from './identity/state-file';
import { MailStore } from './mail-store';
import { CONCURRENCY_SCOPES, EXCHANGE_LIMITS, Throttle, type ConcurrencyScope, type ThrottleLimits } from './throttle';
import { ensureSandboxTls } from './tls-ca';
import { EXCHANGE_SENDING, Transport, type DelayRange, type SendingBehaviour } from './transport';
import { EXCHANGE_UPLOAD_LIMITS, UploadBudget, type UploadLimits } from './upload-budget';

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
  /**
   * The CA is kept in `${dataDir}/sandbox-ca/` and reused; identity state and the app's client certificate in
   * `${dataDir}/sandbox-state/`.
   */
  dataDir: string;
  /** Seed the demo tenant (admin, two agents, support mailbox, customer mailboxes). Default false. */
  seedDemo?: boolean;
  /** A trickle of realistic demo mail into the support mailbox (needs seedDemo). Default false. */
  demoMail?: boolean;
  logger?: Logger;
  /**
   * Extension: a redeemed refresh token stops working (invalid_grant AADSTS70000). Default false: as in Entra,
   * the previous token stays valid until it expires. Stricter than Entra, for tests that prove a client stores
   * every rotated token.
   */
  singleUseRefreshTokens?: boolean;
  /** Extension: throttling limits (tests lower them; the defaults are Exchange Online's). */
  throttle?: Partial<ThrottleLimits>;
  /**
   * Extension: how long after a message left the Outbox its copy is filed in Sent Items (a number, or a random
   * range). Default: 1 to 30 s, as Exchange Online takes. Tests that are not about it choose a short one.
   */
  sentItemsDelayMs?: number | DelayRange;
  /** Extension: how long a sent message sits in Drafts before it moves to the Outbox. Default 0.1 to 2 s. */
  outboxDelayMs?: number | DelayRange;
  /** Extension: Exchange's message rate limit per mailbox. Default 30 messages per 60 s; false: none. */
  messageRate?: { messages: number; windowMs: number } | false;
  /** Extension: Exchange's recipient rate limit per mailbox. Default 10,000 recipients per 24 h; false: none. */
  recipientRate?: { recipients: number; windowMs: number } | false;
  /** Extension: the IncomingBytes budget per app and mailbox. Default 150 MB per 5 minutes; false: none. */
  uploadLimits?: UploadLimits | false;
  /** Extension: the largest message a mailbox may send, attachments at their file size. Default 150 MB. */
  maxMessageBytes?: number;
  /**
   * Extension: what the 4-concurrent-requests limit counts together: `mailbox`, one app's requests to one
   * mailbox, or `app`, all of one app's requests (Microsoft's current wording). Default: the environment's
   * SANDBOX_CONCURRENCY_SCOPE, else `mailbox`.
   */
  concurrencyScope?: ConcurrencyScope;
  /** Extension: a message list page whose JSON passes this many bytes answers 504. Default 3 MB; false: never. */
  gatewayTimeoutPageBytes?: number | false;
  /** Extension: `$expand=attachments` leaves out the content of attachments over 4 MB. Default true. */
  expandOmitsLargeAttachments?: boolean;
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
  app: {
    clientId: string;
    clientSecret: string;
    apiAudience: string;
    apiScope: string;
    /** The app's client certificate, registered on it: private key (PKCS#8) and certificate, PEM, in one text. */
    clientCertificatePem: string;
    /** Extension: the file that holds it (owner-only), for a server configured with a certificate path. */
    clientCertificatePath: string;
  };
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const sending: SendingBehaviour = {
    outboxDelayMs: range(options.outboxDelayMs) ?? EXCHANGE_SENDING.outboxDelayMs,
    sentItemsDelayMs: range(options.sentItemsDelayMs) ?? EXCHANGE_SENDING.sentItemsDelayMs,
    messageRate: options.messageRate === false ? undefined : (options.messageRate ?? EXCHANGE_SENDING.messageRate),
    recipientRate: options.recipientRate === false ? undefined : (options.recipientRate ?? EXCHANGE_SENDING.recipientRate),
  };
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(options.maxMessageBytes)}`);
  const throttle = new Throttle({ ...EXCHANGE_LIMITS, ...(options.throttle ?? {}) }, options.concurrencyScope ?? concurrencyScopeFromEnvironment());
  const gatewayTimeoutPageBytes = options.gatewayTimeoutPageBytes === false ? undefined : (options.gatewayTimeoutPageBytes ?? GATEWAY_TIMEOUT_PAGE_BYTES);
  // 0, NaN or a fraction must not quietly turn the rule off or make every page fail; only `false` turns it off.
  if (gatewayTimeoutPageBytes !== undefined && (!Number.isSafeInteger(gatewayTimeoutPageBytes) || gatewayTimeoutPageBytes < 1)) {
    throw new RangeError(`gatewayTimeoutPageBytes must be a positive integer or false, got ${String(options.gatewayTimeoutPageBytes)}`);
  }
  if (options.demoMail && !options.seedDemo) logger.warn('sandbox demoMail needs seedDemo; no demo mail will be delivered');
  const tls = ensureSandboxTls(path.join(options.dataDir, 'sandbox-ca'));
  if (tls.caStatus === 'replaced') logger.warn({ ca: tls.caCertPath }, 'sandbox CA replaced by one limited to localhost names: trust the new ca.pem (browsers, NODE_EXTRA_CA_CERTS)');
  const stateFile = new IdentityStateFile(path.join(options.dataDir, 'sandbox-state', 'identity.json'));
  const state = stateFile.state;
  const clientCertificatePath = path.join(options.dataDir, 'sandbox-state', 'app-client-certificate.pem');
  const clientCertificate = ensureClientCertificate(clientCertificatePath);

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
    graphApplicationPermissions: state.graphApplicationPermissions ?? ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All'],
    keyCredentials: new KeyCredentials(() => saveApp()),
  };
  for (const pem of state.certificates ?? []) {
    try {
      app.keyCredentials.add(parseKeyCredential(pem));
    } catch (err) {
      logger.warn({ err }, 'sandbox: a certificate kept in identity.json could not be read; it is no longer registered');
    }
  }
  // A new client certificate (first start, or the old one near expiry) is registered beside any kept ones.
  if (clientCertificate.created || state.certificates === undefined) app.keyCredentials.add(parseKeyCredential(clientCertificate.certificatePem));
  /** The app registration's changeable settings go to identity.json, as the control API changes them. */
  function saveApp(): void {
    stateFile.saveApp({ graphApplicationPermissions: app.graphApplicationPermissions, certificates: app.keyCredentials.all().map((c) => c.certificatePem) });
  }
  saveApp();
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
  }, state.refreshTokens, { singleUseRefreshTokens: options.singleUseRefreshTokens ?? false });
  const identity = new IdentityService(directory, grants, loadSigningKey(state.signingKeyPem), baseUrl);
  const store = new MailStore(MESSAGE_ID_HOST);
  const transport = new Transport(store, directory, logger, sending);
  const uploadSessions = new UploadSessions(() => services);
  const appScopes = new AppScopes();
  const subscriptions = new SubscriptionService(store, directory, logger, graphBaseUrl, appScopes);
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
    uploads: new UploadBudget(options.uploadLimits === false ? undefined : (options.uploadLimits ?? EXCHANGE_UPLOAD_LIMITS)),
    uploadSessions,
    maxMessageBytes,
    subscriptions,
    appScopes,
    behaviour: { gatewayTimeoutPageBytes, expandedAttachmentMaxBytes: options.expandOmitsLargeAttachments === false ? undefined : EXPANDED_CONTENT_MAX_BYTES },
    logger,
    dispatch: createDispatcher(graphRoutes(subscriptions), () => services),
  };

  if (options.seedDemo) seedDemoTenant(directory, store);
  let trickle: DemoTrickle | undefined;
  if (options.seedDemo && options.demoMail) trickle = startDemoTrickle({ store, transport, logger });

  const authority = `${baseUrl}/${state.tenantId}/`;
  handler = createHttpApp(services, { baseUrl, tenantId: state.tenantId, authority, caCertPath: tls.caCertPath, caSpkiSha256: tls.caSpkiSha256, saveApp }, uploadSessions);
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
    app: {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      apiAudience: app.apiAudience,
      apiScope: `${app.apiIdentifierUri}/access_as_user`,
      clientCertificatePem: clientCertificate.pem,
      clientCertificatePath,
    },
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

/** A delay option as a range: a number is a fixed delay. */
function range(value: number | DelayRange | undefined): DelayRange | undefined {
  return typeof value === 'number' ? { min: value, max: value } : value;
}

/** SANDBOX_CONCURRENCY_SCOPE, read here so that every way of starting the sandbox (tests included) honours it. */
function concurrencyScopeFromEnvironment(): ConcurrencyScope {
  const raw = process.env['SANDBOX_CONCURRENCY_SCOPE']?.trim().toLowerCase();
  if (!raw) return 'mailbox';
  const scope = CONCURRENCY_SCOPES.find((s) => s === raw);
  if (!scope) throw new RangeError(`SANDBOX_CONCURRENCY_SCOPE must be one of ${CONCURRENCY_SCOPES.join(', ')}, got '${raw}'`);
  return scope;
}

export { DemoMailGenerator, type DemoMail, type DemoMailKind, type DemoMailOptions } from './demo-mail';
export { DEMO } from './demo-tenant';
