import { ConfigError, loadDotEnv, parseConfig, type Config } from './config';
import { watchEventLoop } from './event-loop-watch';
import { createLogger } from './logger';
import { createRelaydesk } from './wiring';

/** Entry point: config -> the running system (server/wiring.ts) -> serve; graceful shutdown on SIGTERM / SIGINT. */
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
  const relaydesk = await createRelaydesk(config, { logger });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await relaydesk.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await relaydesk.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`relaydesk: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
