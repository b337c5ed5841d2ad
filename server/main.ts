import fs from 'node:fs';
import { ConfigError, loadDotEnv, parseConfig, type Config } from './config';
import { MailboxClients } from './graph/mailbox-clients';
import { createApp } from './http/app';
import { listen } from './http/server';
import { createMetricsApp } from './http/routes/metrics';
import { DEFAULT_SYNC_SETTINGS } from './inbound/sync/mailbox-sync';
import { configureSharedParsePool } from './inbound/mail/parse-pool';
import { SyncScheduler } from './inbound/sync/scheduler';
import { DEFAULT_RELAY_SETTINGS, RelayWorker } from './outbound/relay-worker';
import { MailboxLinking } from './identity/mailbox-linking';
import { MailboxTokens } from './identity/mailbox-tokens';
import { entraApp, type MicrosoftApp } from './identity/microsoft-app';
import { TokenVerifier } from './identity/token-verifier';
import { openTokenVault } from './identity/vault-keys';
import { watchEventLoop } from './event-loop-watch';
import { createLogger, type Logger } from './logger';
import { startSandbox, type RunningSandbox } from './sandbox';
import { sandboxMicrosoftApp } from './sandbox-mode';
import { Store } from './store/store';
import { trustCertificateAuthority } from './tls/trust-ca';
import { ensurePrivateDirectory } from './private-files';

/** Entry point: config -> store -> (sandbox) -> http app; graceful shutdown on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`relaydesk: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  watchEventLoop(logger);
  // Workers load the parser while the rest starts; no sync begins reading before they are ready.
  const parsePool = configureSharedParsePool({ ...(config.parse.workers ? { threads: config.parse.workers } : {}), maxHeapMb: config.parse.workerHeapMb });
  let stopping = false;
  // A stop during start-up closes the pool under its warm-up: that is no failure to start.
  const parserReady = parsePool.warmUp().catch((error: unknown) => {
    if (!stopping) throw error;
  });
  // Before anything writes into it: the database, secret.key and the sandbox CA key live here.
  ensurePrivateDirectory(config.dataDir);
  const store = await Store.open(
    config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url },
  );
  logger.info({ database: config.database.kind === 'sqlite' ? config.database.file : 'postgres' }, 'store ready');

  const { app: microsoftApp, sandbox } = await microsoftFor(config, logger);
  const auth = config.auth ?? (sandbox ? { authority: sandbox.authority, audience: sandbox.app.apiAudience, tenantIds: [sandbox.tenantId] } : undefined);
  const tokenVerifier = auth ? new TokenVerifier({ ...auth, apiScope: microsoftApp.api.apiScope }) : undefined;
  const vault = openTokenVault(config, logger);
  const tokens = new MailboxTokens(microsoftApp, store, vault, logger);
  const clients = new MailboxClients(microsoftApp.graph, (mailboxId, forceRefresh) => tokens.accessToken(mailboxId, { forceRefresh }));
  const syncSettings = { ...DEFAULT_SYNC_SETTINGS, burstBlockMs: config.sync.senderBlockMs, messageIdDomain: config.messageIdDomain, parseDeadlineMs: config.parse.deadlineMs };
  const scheduler = new SyncScheduler(
    { store, clients, logger, settings: syncSettings, parsePool },
    { intervalMs: config.sync.intervalMs, leaseMs: Math.max(60_000, config.sync.intervalMs * 4), maxConcurrent: config.sync.maxConcurrent, instanceId: config.instanceId },
  );
  const relay = new RelayWorker({ store, clients, logger, settings: { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: config.messageIdDomain, unknownOutcomeSettleMs: config.relayUnknownOutcomeSettleMs } }, config.instanceId);
  const linking = new MailboxLinking(microsoftApp, config.redirectUri, store, vault, logger, (mailbox) => void scheduler.syncNow(mailbox.id), {
    onTokensChanged: (mailboxId) => tokens.forget(mailboxId),
  });

  const app = createApp({
    store,
    logger,
    tokenVerifier,
    microsoft: { app: microsoftApp, linking, officeJsUrl: config.officeJsUrl, publicOrigin: config.publicOrigin },
    inbound: syncSettings,
    rateLimits: config.rateLimits,
    addin: { distDir: config.addinDir, publicOrigin: config.publicOrigin, officeJsUrl: config.officeJsUrl },
  });
  const tls =
    config.tls.kind === 'files'
      ? { certPem: fs.readFileSync(config.tls.certFile, 'utf8'), keyPem: fs.readFileSync(config.tls.keyFile, 'utf8') }
      : config.tls.kind === 'sandbox' && sandbox
        ? { certPem: sandbox.localhostTls.certPem, keyPem: sandbox.localhostTls.keyPem }
        : undefined;
  const http = await listen(app, config.port, config.host, tls);
  // Plain HTTP on loopback (by default): only Prometheus on this host (or a sidecar) scrapes it.
  const metrics = config.metrics ? await listen(createMetricsApp(store), config.metrics.port, config.metrics.host) : undefined;
  if (metrics) logger.info({ port: metrics.port, host: config.metrics?.host }, 'metrics listening');
  logger.info({ port: http.port, host: config.host, https: tls !== undefined, publicOrigin: config.publicOrigin, sandbox: sandbox?.baseUrl }, 'relaydesk listening');
  relay.start();

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await Promise.all([http.stop(config.shutdownTimeoutMs), metrics?.stop(config.shutdownTimeoutMs)]);
    await Promise.all([scheduler.stop(), relay.stop()]);
    await parsePool.close();
    await sandbox?.close();
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await parserReady;
  if (stopping) return;
  scheduler.start();
  logger.info('parse workers ready: syncing mailboxes');
}

/**
 * The configured Microsoft app, or, when none is configured, the local Exchange Online sandbox with a demo
 * tenant, so a newcomer sees the whole system work on one machine.
 */
async function microsoftFor(config: Config, logger: Logger): Promise<{ app: MicrosoftApp; sandbox?: RunningSandbox }> {
  if (config.microsoft.mode === 'entra') return { app: entraApp(config.microsoft) };
  const sandbox = await startSandbox({
    port: config.microsoft.port,
    dataDir: config.dataDir,
    seedDemo: true,
    demoMail: config.microsoft.demoMail,
    logger: logger.child({ component: 'sandbox' }),
  });
  trustCertificateAuthority(sandbox.caCertPem);
  logger.warn({ sandbox: sandbox.baseUrl, ca: sandbox.caCertPath }, 'no Microsoft app configured: using the local Exchange Online sandbox');
  return { sandbox, app: sandboxMicrosoftApp(sandbox) };
}

main().catch((error: unknown) => {
  process.stderr.write(`relaydesk: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
