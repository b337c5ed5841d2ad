import fs from 'node:fs';
import type { Express } from 'express';
import type { Config } from './config';
import { MailboxClients, type MailboxClientOptions } from './graph/mailbox-clients';
import { createApp, type AppServices } from './http/app';
import { createMetricsApp } from './http/routes/metrics';
import { listen, type RunningHttpServer } from './http/server';
import { MailboxLinking } from './identity/mailbox-linking';
import { AppOnlyLinking } from './identity/app-only-linking';
import { AppTokens, type AppTokensOptions } from './identity/app-tokens';
import { MailboxTokens } from './identity/mailbox-tokens';
import { appCredentialInfo } from './identity/app-credential';
import { TokenKeepAlive, type TokenKeepAliveOptions } from './identity/token-keepalive';
import { entraApp, type MicrosoftApp } from './identity/microsoft-app';
import { TokenVerifier } from './identity/token-verifier';
import type { TokenVault } from './identity/token-vault';
import { openTokenVault } from './identity/vault-keys';
import { FromMessageService, type FromMessageSettings } from './inbound/from-message';
import { DeadLetters } from './inbound/ingest/dead-letters';
import { ParsePool, sharedParsePool } from './inbound/mail/parse-pool';
import { NotificationIntake } from './inbound/push/notification-intake';
import type { PushSettings } from './inbound/push/push-settings';
import { SubscriptionKeeper } from './inbound/push/subscription-keeper';
import { SyncRequestCoalescer } from './inbound/push/sync-requests';
import { DEFAULT_SYNC_SETTINGS, type SyncDeps, type SyncSettings } from './inbound/sync/mailbox-sync';
import { SyncScheduler, type SchedulerOptions } from './inbound/sync/scheduler';
import { createLogger, type Logger } from './logger';
import type { AppCredentialInfo } from './mailboxes/credential-health';
import { credentialsReadiness, mailboxHealth } from './mailboxes/mailbox-health';
import { MailboxLifecycle, type MailboxLifecycleHooks } from './mailboxes/mailbox-lifecycle';
import { DEFAULT_RELAY_SETTINGS, exchangePacing, RelayWorker, type RelayDeps, type RelaySettings } from './outbound/relay-worker';
import { ensurePrivateDirectory } from './private-files';
import { sandboxMicrosoftApp, startSandboxMode, trustCertificateAuthority, type RunningSandbox, type SandboxEndpoints } from './sandbox-mode';
import { SandboxPreviewMailbox } from './sandbox-preview';
import { relaydeskVersion } from './version';
import { Store } from './store/store';
import { MessageLookup } from './tickets/lookup';
import { SettingsService } from './tickets/settings';
import { StaffDirectory } from './tickets/staff';
import { TicketService } from './tickets/ticket-service';

/**
 * The composition root: the one place that builds the running system from the config. The server (main.ts),
 * the CLIs, the tests and the benchmarks all call createRelaydesk, so they run the same wiring; overrides
 * replace a part (a test's own database or sandbox), never rewire the rest.
 */

export interface RelaydeskOverrides {
  logger?: Logger;
  /** An open store (a test's SQLite file or PostgreSQL schema); its opener closes it. Default: config.database. */
  store?: Store;
  /** A sandbox someone else started and closes (tests, benchmarks). Default in sandbox mode: start one. */
  sandbox?: SandboxEndpoints;
  /** Where messages are parsed; its creator closes it. Default: a pool of this instance, sized by config. */
  parsePool?: ParsePool;
  graph?: MailboxClientOptions;
  sync?: Partial<SyncSettings>;
  scheduler?: Partial<SchedulerOptions>;
  relay?: Partial<RelaySettings>;
  /** Change notifications: e.g. a subscription lifetime in milliseconds, so a test sees a renewal. */
  push?: Partial<PushSettings>;
  /** The idle-grant keep-alive (tests shorten its idle age and interval). */
  keepAlive?: Partial<TokenKeepAliveOptions>;
  /** App-only tokens (tests shorten how long before expiry one is replaced). */
  appTokens?: AppTokensOptions;
  /** Sandbox mode: sign the app's token requests with the sandbox app's certificate instead of its secret. */
  sandboxCredential?: 'secret' | 'certificate';
  /** Observers for benchmarks: a message's batch committed; Graph accepted an email. */
  onIngested?: SyncDeps['onIngested'];
  onSent?: RelayDeps['onSent'];
}

/** The part of Relaydesk that needs only its database: what the CLIs run. */
export interface RelaydeskCore {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly syncSettings: SyncSettings;
  /** The domain services the API speaks to. */
  readonly services: AppServices;
  /** Closes what this instance opened; a part given as an override stays open. */
  close(): Promise<void>;
}

export interface Relaydesk extends RelaydeskCore {
  readonly microsoft: MicrosoftApp;
  /** The sandbox this instance started (sandbox mode without an override), else undefined. */
  readonly sandbox: RunningSandbox | undefined;
  readonly vault: TokenVault;
  readonly tokens: MailboxTokens;
  /** The app's own tokens (client credentials), one per tenant, for mailboxes linked in application mode. */
  readonly appTokens: AppTokens;
  readonly keepAlive: TokenKeepAlive;
  readonly clients: MailboxClients;
  readonly parsePool: ParsePool;
  readonly syncDeps: SyncDeps;
  readonly scheduler: SyncScheduler;
  readonly relay: RelayWorker;
  /** Graph change notifications: the webhook's intake (and its counters) and the subscriptions' upkeep. */
  readonly push: { readonly intake: NotificationIntake; readonly keeper: SubscriptionKeeper; readonly settings: PushSettings };
  readonly linking: MailboxLinking;
  readonly appOnlyLinking: AppOnlyLinking;
  readonly tokenVerifier: TokenVerifier | undefined;
  /** The HTTP app (API, OAuth callback, add-in files); start() serves it, tests may call it directly. */
  readonly app: Express;
  /** Serves HTTP (and metrics), starts the relay and, once the parse workers are warm, the sync scheduler. */
  start(): Promise<{ port: number; metricsPort: number | undefined }>;
  /** Stops in order: HTTP, workers, then what this instance opened (sandbox, store, parse pool). */
  close(): Promise<void>;
}

/** `only: 'store'` builds the core alone: no Microsoft app, no sandbox, no workers (the CLIs). */
export function createRelaydesk(config: Config, overrides: RelaydeskOverrides & { only: 'store' }): Promise<RelaydeskCore>;
export function createRelaydesk(config: Config, overrides?: RelaydeskOverrides): Promise<Relaydesk>;
export async function createRelaydesk(config: Config, overrides: RelaydeskOverrides & { only?: 'store' } = {}): Promise<Relaydesk | RelaydeskCore> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const closers: (() => Promise<void>)[] = [];
  const closeOpened = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  const syncSettings: SyncSettings = {
    ...DEFAULT_SYNC_SETTINGS,
    burstBlockMs: config.sync.senderBlockMs,
    messageIdDomain: config.messageIdDomain,
    parseDeadlineMs: config.parse.deadlineMs,
    ...overrides.sync,
  };

  if (overrides.only === 'store') {
    try {
      const store = await ownStore(config, logger, overrides, closers);
      // A CLI that lists starts no workers; a replay starts the pool when it first parses.
      let pool: ParsePool | undefined = overrides.parsePool;
      const lazyPool = {
        parse: (...args: Parameters<ParsePool['parse']>) => {
          if (!pool) {
            pool = newParsePool(config);
            const started = pool;
            closers.push(() => started.close());
          }
          return pool.parse(...args);
        },
      };
      const services = appServices(store, { inbound: syncSettings, parsePool: lazyPool });
      return { config, logger, store, syncSettings, services, close: closeOpened };
    } catch (error) {
      await closeOpened();
      throw error;
    }
  }

  // Workers load the parser while the rest starts; no sync begins reading before they are ready.
  const parsePool = overrides.parsePool ?? newParsePool(config);
  if (!overrides.parsePool) closers.push(() => parsePool.close());
  let closing = false;
  // A close during start-up stops the pool under its warm-up: that is no failure to start.
  const parserReady = parsePool.warmUp().catch((error: unknown) => {
    if (!closing) throw error;
  });

  try {
    const store = await ownStore(config, logger, overrides, closers);
    ensurePrivateDirectory(config.dataDir);
    const started = config.microsoft.mode === 'sandbox' && !overrides.sandbox ? await startSandboxMode({ port: config.microsoft.port, dataDir: config.dataDir, demoMail: config.microsoft.demoMail, logger }) : undefined;
    if (started) closers.push(() => started.close());
    if (overrides.sandbox) trustCertificateAuthority(overrides.sandbox.caCertPem);
    const sandbox = overrides.sandbox ?? started;
    const microsoft = config.microsoft.mode === 'entra' ? entraApp(config.microsoft) : sandboxMicrosoftApp(sandbox!, sandboxCredential(sandbox!, overrides.sandboxCredential));

    const auth = config.auth ?? (sandbox ? { authority: sandbox.authority, audience: sandbox.app.apiAudience, tenantIds: [sandbox.tenantId] } : undefined);
    const tokenVerifier = auth ? new TokenVerifier({ ...auth, apiScope: microsoft.api.apiScope }) : undefined;
    const vault = openTokenVault(config, logger);
    const appTokens = new AppTokens(microsoft, logger, overrides.appTokens);
    const tokens = new MailboxTokens(microsoft, store, vault, logger, appTokens);
    const appCredential = appCredentialInfo(config.microsoft);
    const keepAlive = new TokenKeepAlive(store, tokens, logger, { appCredential, ...overrides.keepAlive });
    const clients = graphClients(microsoft, tokens, overrides.graph);
    const syncDeps: SyncDeps = { store, clients, logger, settings: syncSettings, parsePool, ...(overrides.onIngested ? { onIngested: overrides.onIngested } : {}) };
    const pushSettings: PushSettings = {
      enabled: config.push.enabled,
      publicOrigin: config.publicOrigin,
      subscriptionLifetimeMs: config.push.subscriptionMinutes * 60_000,
      retryMs: config.push.retryMs,
      debounceMs: config.push.debounceMs,
      ...overrides.push,
    };
    // The keeper tells the intake of subscriptions it replaced; the intake exists by the time it first does.
    const keeper = new SubscriptionKeeper({ store, clients, logger }, pushSettings, (subscriptionId) => intake.forget(subscriptionId));
    const scheduler = new SyncScheduler(
      syncDeps,
      {
        intervalMs: config.sync.intervalMs,
        leaseMs: Math.max(60_000, config.sync.intervalMs * 4),
        maxConcurrent: config.sync.maxConcurrent,
        instanceId: config.instanceId,
        pushCheckIntervalMs: config.push.checkIntervalMs,
        ...overrides.scheduler,
      },
      undefined,
      { ensure: (mailbox) => keeper.ensure(mailbox), waiting: () => coalescer.waiting() },
    );
    // A notification's request goes to the store (whichever instance holds the lease sees it) and pokes ours.
    const coalescer = new SyncRequestCoalescer(pushSettings.debounceMs, {
      record: async (mailboxId) => void (await store.mailboxes.requestSync(mailboxId)),
      poke: (mailboxId) => void (syncing && scheduler.requested(mailboxId)),
    });
    const intake = new NotificationIntake(store, logger, (mailboxId) => coalescer.request(mailboxId));
    const relay = new RelayWorker(
      {
        store,
        clients,
        logger,
        settings: {
          ...DEFAULT_RELAY_SETTINGS,
          messageIdDomain: config.messageIdDomain,
          unknownOutcomeSettleMs: config.relayUnknownOutcomeSettleMs,
          secondLookMs: Math.max(1_000, Math.round(config.relayUnknownOutcomeSettleMs / 4)),
          pacing: exchangePacing(config.relayPacing.messagesPerMinute, config.relayPacing.recipientsPerDay),
          ...overrides.relay,
        },
        ...(overrides.onSent ? { onSent: overrides.onSent } : {}),
      },
      config.instanceId,
    );
    let syncing = false;
    // Once the scheduler runs, a mailbox that becomes active (linked, resumed) is synced at once, not at its turn.
    const mailboxHooks: MailboxLifecycleHooks = {
      onActivated: (mailbox) => void (syncing && scheduler.syncNow(mailbox.id)),
      onTokensChanged: (mailboxId) => tokens.forget(mailboxId),
      // Best effort, bounded: a Microsoft that does not answer must not hold up an admin's pause or unlink.
      onDeactivating: (mailbox) => withinMs(keeper.drop(mailbox), 5_000).catch((error: unknown) => logger.warn({ err: error, mailbox: mailbox.address }, 'could not drop the push subscription')),
    };
    const linking = mailboxLinking({ config, microsoft, store, vault, tokens, logger }, { onActivated: mailboxHooks.onActivated });
    const appOnlyLinking = new AppOnlyLinking(microsoft, appTokens, store, logger, { onActivated: mailboxHooks.onActivated, onTokensChanged: mailboxHooks.onTokensChanged });
    const services = appServices(store, { inbound: syncSettings, parsePool, mailboxHooks, graph: clients, appCredential });
    const app = createApp({
      services,
      logger,
      tokenVerifier,
      microsoft: { app: microsoft, linking, appOnly: appOnlyLinking, linkMode: config.mailboxLinkMode, officeJsUrl: config.officeJsUrl, publicOrigin: config.publicOrigin, appCredential },
      rateLimits: config.rateLimits,
      webhooks: intake,
      addin: { distDir: config.addinDir, publicOrigin: config.publicOrigin, officeJsUrl: config.officeJsUrl },
      // `/`: the preview of the demo mailbox with the real pane while the sandbox stands in for Microsoft, else a status page.
      home:
        config.microsoft.mode === 'sandbox' && sandbox
          ? { preview: { mailbox: new SandboxPreviewMailbox(sandbox), distDir: config.addinDir, publicOrigin: config.publicOrigin } }
          : { status: { version: relaydeskVersion(), publicOrigin: config.publicOrigin } },
    });

    const servers: RunningHttpServer[] = [];
    return {
      config,
      logger,
      store,
      syncSettings,
      services,
      microsoft,
      sandbox: started,
      vault,
      tokens,
      appTokens,
      keepAlive,
      clients,
      parsePool,
      syncDeps,
      scheduler,
      relay,
      push: { intake, keeper, settings: pushSettings },
      linking,
      appOnlyLinking,
      tokenVerifier,
      app,
      async start() {
        const tls = tlsFor(config, sandbox);
        const http = await listen(app, config.port, config.host, tls);
        servers.push(http);
        // Plain HTTP on loopback (by default): only Prometheus on this host (or a sidecar) scrapes it.
        const metrics = config.metrics ? await listen(createMetricsApp(() => mailboxHealth(store), () => intake.counters.snapshot(), appCredential), config.metrics.port, config.metrics.host) : undefined;
        if (metrics) {
          servers.push(metrics);
          logger.info({ port: metrics.port, host: config.metrics?.host }, 'metrics listening');
        }
        logger.info({ port: http.port, host: config.host, https: tls !== undefined, publicOrigin: config.publicOrigin, sandbox: sandbox?.baseUrl }, 'relaydesk listening');
        relay.start();
        keepAlive.start();
        await parserReady;
        if (!closing) {
          scheduler.start();
          syncing = true;
          logger.info('parse workers ready: syncing mailboxes');
        }
        return { port: http.port, metricsPort: metrics?.port };
      },
      async close() {
        if (closing) return;
        closing = true;
        // HTTP and the workers wind down side by side, so the whole stop fits in SHUTDOWN_TIMEOUT_MS (main.ts
        // exits 1 past it): requests in flight get most of it, the rest is for closing what this instance opened.
        const httpGraceMs = Math.floor(config.shutdownTimeoutMs * HTTP_SHARE_OF_SHUTDOWN);
        const http = (async () => {
          await Promise.all(servers.map((server) => server.stop(httpGraceMs)));
          // After the webhook's last request: requests still in their window are written, not lost (the next
          // instance's claim sees them).
          await coalescer.close();
        })();
        // Syncs end after the wave they are reading, relays once the sends already on their way are answered;
        // both release their leases, so another instance (or this one restarted) carries on at once.
        await Promise.all([http, scheduler.stop(), relay.stop(), keepAlive.stop()]);
        await closeOpened();
      },
    };
  } catch (error) {
    closing = true;
    await closeOpened();
    throw error;
  }
}

/** The part of SHUTDOWN_TIMEOUT_MS that requests in flight may take before their connections are cut. */
const HTTP_SHARE_OF_SHUTDOWN = 0.8;

/** The domain services behind the API, over one store. */
export function appServices(
  store: Store,
  options: {
    inbound: ConstructorParameters<typeof DeadLetters>[1] & FromMessageSettings;
    parsePool?: ConstructorParameters<typeof DeadLetters>[2];
    mailboxHooks?: MailboxLifecycleHooks;
    /** Graph clients, to read an email an agent makes a ticket of; without them the pane's copy is used. */
    graph?: MailboxClients;
    /** The app's credential, for /readyz's credential detail. */
    appCredential?: AppCredentialInfo;
  },
): AppServices {
  const tickets = new TicketService(store);
  return {
    tickets,
    fromMessage: new FromMessageService(store, tickets, options.parsePool ?? { parse: (...args) => sharedParsePool().parse(...args) }, options.inbound, options.graph),
    staff: new StaffDirectory(store),
    settings: new SettingsService(store),
    lookup: new MessageLookup(store),
    deadLetters: new DeadLetters(store, options.inbound, options.parsePool),
    mailboxes: new MailboxLifecycle(store, options.mailboxHooks, options.graph),
    checkReady: async () => {
      const ready = await store.checkReady();
      // Only where the app is known (not the CLIs): credential warnings are detail, never unreadiness.
      return options.appCredential ? { ...ready, credentials: await credentialsReadiness(store, options.appCredential) } : ready;
    },
  };
}

/** The sandbox app's certificate when asked for; its secret otherwise. */
function sandboxCredential(sandbox: SandboxEndpoints, wanted: 'secret' | 'certificate' = 'secret'): { clientCertificatePem?: string } {
  return wanted === 'certificate' ? { clientCertificatePem: sandbox.app.clientCertificatePem } : {};
}

/** Graph clients with one governor per mailbox, over the mailboxes' own tokens (a refresh on a 401). */
export function graphClients(microsoft: MicrosoftApp, tokens: MailboxTokens, options: MailboxClientOptions = {}): MailboxClients {
  return new MailboxClients(microsoft.graph, (mailboxId, forceRefresh) => tokens.accessToken(mailboxId, { forceRefresh }), options);
}

/** Mailbox linking over the same tokens: a relink drops the cached copy of the old tokens. */
export function mailboxLinking(
  parts: { config: Pick<Config, 'redirectUri'>; microsoft: MicrosoftApp; store: Store; vault: TokenVault; tokens: MailboxTokens; logger: Logger },
  options: { onActivated?: MailboxLifecycleHooks['onActivated']; linkTtlMs?: number } = {},
): MailboxLinking {
  return new MailboxLinking(parts.microsoft, parts.config.redirectUri, parts.store, parts.vault, parts.logger, options.onActivated, {
    ...(options.linkTtlMs === undefined ? {} : { linkTtlMs: options.linkTtlMs }),
    onTokensChanged: (mailboxId) => parts.tokens.forget(mailboxId),
  });
}

/** The configured store, opened here (migrations run) unless one was given; created folders are private. */
async function ownStore(config: Config, logger: Logger, overrides: RelaydeskOverrides, closers: (() => Promise<void>)[]): Promise<Store> {
  if (overrides.store) return overrides.store;
  // Before anything writes into it: the database, secret.key and the sandbox CA key live here.
  ensurePrivateDirectory(config.dataDir);
  const store = await Store.open(config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url });
  closers.push(() => store.close());
  logger.info({ database: config.database.kind === 'sqlite' ? config.database.file : 'postgres' }, 'store ready');
  return store;
}

function newParsePool(config: Config): ParsePool {
  return new ParsePool({ ...(config.parse.workers ? { threads: config.parse.workers } : {}), maxHeapMb: config.parse.workerHeapMb });
}

/** Resolves when `work` does or after `ms`, whichever is first (the work itself goes on). */
function withinMs(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function tlsFor(config: Config, sandbox: SandboxEndpoints | undefined): { certPem: string; keyPem: string } | undefined {
  if (config.tls.kind === 'files') return { certPem: fs.readFileSync(config.tls.certFile, 'utf8'), keyPem: fs.readFileSync(config.tls.keyFile, 'utf8') };
  if (config.tls.kind === 'sandbox' && sandbox?.localhostTls) return { certPem: sandbox.localhostTls.certPem, keyPem: sandbox.localhostTls.keyPem };
  return undefined;
}
