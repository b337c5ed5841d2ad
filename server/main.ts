import { ConfigError, loadDotEnv, parseConfig, type Config } from './config';
import { createApp } from './http/app';
import { listen } from './http/server';
import { TokenVerifier } from './identity/token-verifier';
import { createLogger } from './logger';
import { Store } from './store/store';

/** Entry point: config -> store -> http app; graceful shutdown on SIGTERM / SIGINT. */
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
  const store = await Store.open(
    config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url },
  );
  logger.info({ database: config.database.kind === 'sqlite' ? config.database.file : 'postgres' }, 'store ready');

  const tokenVerifier = config.auth ? new TokenVerifier(config.auth) : undefined;
  if (!tokenVerifier) logger.warn('no identity provider configured: the /api routes answer 503 until AUTH_AUTHORITY and AUTH_AUDIENCE are set');

  const app = createApp({ store, logger, tokenVerifier });
  const http = await listen(app, config.port, config.host);
  logger.info({ port: http.port, host: config.host }, 'relaydesk listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await http.stop(config.shutdownTimeoutMs);
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`relaydesk: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
