import fs from 'node:fs';
import type { Express } from 'express';
import type { Config } from './config';
import { MailboxClients, type MailboxClientOptions } from './graph/mailbox-clients';
import { createApp } from './http/app';
import { createMetricsApp } from './http/routes/metrics';
import { listen, type RunningHttpServer } from './http/server';
import { MailboxLinking } from './identity/mailbox-linking';
import { MailboxTokens } from './identity/mailbox-tokens';
import { entraApp, type MicrosoftApp } from './identity/microsoft-app';
import { TokenVerifier } from './identity/token-verifier';
import type { TokenVault } from './identity/token-vault';
import { openTokenVault } from './identity/vault-keys';
import { ParsePool } from './inbound/mail/parse-pool';
import { DEFAULT_SYNC_SETTINGS, type SyncDeps, type SyncSettings } from './inbound/sync/mailbox-sync';
import { SyncScheduler, type SchedulerOptions } from './inbound/sync/scheduler';
import { createLogger, type Logger } from './logger';
import { DEFAULT_RELAY_SETTINGS, RelayWorker, type RelayDeps, type RelaySettings } from './outbound/relay-worker';
import { ensurePrivateDirectory } from './private-files';
import { sandboxMicrosoftApp, startSandboxMode, trustCertificateAuthority, type RunningSandbox, type SandboxEndpoints } from './sandbox-mode';
import { Store } from './store/store';

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
  /** Observers for benchmarks: a message's batch committed; Graph accepted an email. */
  onIngested?: SyncDeps['onIngested'];
  onSent?: RelayDeps['onSent'];
}

export interface Relaydesk {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly microsoft: MicrosoftApp;
  /** The sandbox this instance started (sandbox mode without an override), else undefined. */
  readonly sandbox: RunningSandbox | undefined;
  readonly vault: TokenVault;
  readonly tokens: MailboxTokens;
  readonly clients: MailboxClients;
  readonly parsePool: ParsePool;
  readonly syncDeps: SyncDeps;
  readonly scheduler: SyncScheduler;
  readonly relay: RelayWorker;
  readonly linking: MailboxLinking;
  readonly tokenVerifier: TokenVerifier | undefined;
  /** The HTTP app (API, OAuth callback, add-in files); start() serves it, tests may call it directly. */
  readonly app: Express;
  /** Serves HTTP (and metrics), starts the relay and, once the parse workers are warm, the sync scheduler. */
  start(): Promise<{ port: number; metricsPort: number | undefined }>;
  /** Stops in order: HTTP, workers, parse pool, sandbox, store; a part given as an override stays open. */
  close(): Promise<void>;
}

export async function createRelaydesk(config: Config, overrides: RelaydeskOverrides = {}): Promise<Relaydesk> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  // Workers load the parser while the rest starts; no sync begins reading before they are ready.
  const ownPool = overrides.parsePool === undefined;
  const parsePool = overrides.parsePool ?? new ParsePool({ ...(config.parse.workers ? { threads: config.parse.workers } : {}), maxHeapMb: config.parse.workerHeapMb });
  let closing = false;
  // A close during start-up stops the pool under its warm-up: that is no failure to start.
  const parserReady = parsePool.warmUp().catch((error: unknown) => {
    if (!closing) throw error;
  });
  const opened: (() => Promise<void>)[] = [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close();
  };
  if (ownPool) opened.push(() => parsePool.close());

  try {
    // Before anything writes into it: the database, secret.key and the sandbox CA key live here.
    ensurePrivateDirectory(config.dataDir);
    const store = overrides.store ?? (await openStore(config, logger));
    if (!overrides.store) opened.push(() => store.close());

    const started = config.microsoft.mode === 'sandbox' && !overrides.sandbox ? await startSandboxMode({ port: config.microsoft.port, dataDir: config.dataDir, demoMail: config.microsoft.demoMail, logger }) : undefined;
    if (started) opened.push(() => started.close());
    const sandbox = overrides.sandbox ?? started;
    if (overrides.sandbox) trustCertificateAuthority(overrides.sandbox.caCertPem);
    const microsoft = config.microsoft.mode === 'entra' ? entraApp(config.microsoft) : sandboxMicrosoftApp(sandbox!);

    const auth = config.auth ?? (sandbox ? { authority: sandbox.authority, audience: sandbox.app.apiAudience, tenantIds: [sandbox.tenantId] } : undefined);
    const tokenVerifier = auth ? new TokenVerifier({ ...auth, apiScope: microsoft.api.apiScope }) : undefined;
    const vault = openTokenVault(config, logger);
    const tokens = new MailboxTokens(microsoft, store, vault, logger);
    const clients = graphClients(microsoft, tokens, overrides.graph);
    const syncSettings: SyncSettings = {
      ...DEFAULT_SYNC_SETTINGS,
      burstBlockMs: config.sync.senderBlockMs,
      messageIdDomain: config.messageIdDomain,
      parseDeadlineMs: config.parse.deadlineMs,
      ...overrides.sync,
    };
    const syncDeps: SyncDeps = { store, clients, logger, settings: syncSettings, parsePool, ...(overrides.onIngested ? { onIngested: overrides.onIngested } : {}) };
    const scheduler = new SyncScheduler(syncDeps, {
      intervalMs: config.sync.intervalMs,
      leaseMs: Math.max(60_000, config.sync.intervalMs * 4),
      maxConcurrent: config.sync.maxConcurrent,
      instanceId: config.instanceId,
      ...overrides.scheduler,
    });
    const relay = new RelayWorker(
      {
        store,
        clients,
        logger,
        settings: { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: config.messageIdDomain, unknownOutcomeSettleMs: config.relayUnknownOutcomeSettleMs, ...overrides.relay },
        ...(overrides.onSent ? { onSent: overrides.onSent } : {}),
      },
      config.instanceId,
    );
    let syncing = false;
    // Once the scheduler runs, a newly linked mailbox is synced at once rather than at its next turn.
    const linking = mailboxLinking({ config, microsoft, store, vault, tokens, logger }, { onActivated: (mailbox) => void (syncing && scheduler.syncNow(mailbox.id)) });
    const app = createApp({
      store,
      logger,
      tokenVerifier,
      microsoft: { app: microsoft, linking, officeJsUrl: config.officeJsUrl, publicOrigin: config.publicOrigin },
      inbound: syncSettings,
      rateLimits: config.rateLimits,
      addin: { distDir: config.addinDir, publicOrigin: config.publicOrigin, officeJsUrl: config.officeJsUrl },
    });

    const servers: RunningHttpServer[] = [];
    return {
      config,
      logger,
      store,
      microsoft,
      sandbox: started,
      vault,
      tokens,
      clients,
      parsePool,
      syncDeps,
      scheduler,
      relay,
      linking,
      tokenVerifier,
      app,
      async start() {
        const tls = tlsFor(config, sandbox);
        const http = await listen(app, config.port, config.host, tls);
        servers.push(http);
        // Plain HTTP on loopback (by default): only Prometheus on this host (or a sidecar) scrapes it.
        const metrics = config.metrics ? await listen(createMetricsApp(store), config.metrics.port, config.metrics.host) : undefined;
        if (metrics) {
          servers.push(metrics);
          logger.info({ port: metrics.port, host: config.metrics?.host }, 'metrics listening');
        }
        logger.info({ port: http.port, host: config.host, https: tls !== undefined, publicOrigin: config.publicOrigin, sandbox: sandbox?.baseUrl }, 'relaydesk listening');
        relay.start();
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
        await Promise.all(servers.map((server) => server.stop(config.shutdownTimeoutMs)));
        await Promise.all([scheduler.stop(), relay.stop()]);
        await closeOpened();
      },
    };
  } catch (error) {
    closing = true;
    await closeOpened();
    throw error;
  }
}

/** Opens the configured database (migrations run here) for the server and the CLIs. */
export async function openStore(config: Config, logger?: Logger): Promise<Store> {
  const store = await Store.open(config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url });
  logger?.info({ database: config.database.kind === 'sqlite' ? config.database.file : 'postgres' }, 'store ready');
  return store;
}

/** Graph clients with one governor per mailbox, over the mailboxes' own tokens (a refresh on a 401). */
export function graphClients(microsoft: MicrosoftApp, tokens: MailboxTokens, options: MailboxClientOptions = {}): MailboxClients {
  return new MailboxClients(microsoft.graph, (mailboxId, forceRefresh) => tokens.accessToken(mailboxId, { forceRefresh }), options);
}

/** Mailbox linking over the same tokens: a relink or an unlink drops the cached copy of the old tokens. */
export function mailboxLinking(
  parts: { config: Pick<Config, 'redirectUri'>; microsoft: MicrosoftApp; store: Store; vault: TokenVault; tokens: MailboxTokens; logger: Logger },
  options: { onActivated?: ConstructorParameters<typeof MailboxLinking>[5]; linkTtlMs?: number } = {},
): MailboxLinking {
  return new MailboxLinking(parts.microsoft, parts.config.redirectUri, parts.store, parts.vault, parts.logger, options.onActivated, {
    ...(options.linkTtlMs === undefined ? {} : { linkTtlMs: options.linkTtlMs }),
    onTokensChanged: (mailboxId) => parts.tokens.forget(mailboxId),
  });
}

function tlsFor(config: Config, sandbox: SandboxEndpoints | undefined): { certPem: string; keyPem: string } | undefined {
  if (config.tls.kind === 'files') return { certPem: fs.readFileSync(config.tls.certFile, 'utf8'), keyPem: fs.readFileSync(config.tls.keyFile, 'utf8') };
  if (config.tls.kind === 'sandbox' && sandbox?.localhostTls) return { certPem: sandbox.localhostTls.certPem, keyPem: sandbox.localhostTls.keyPem };
  return undefined;
}
