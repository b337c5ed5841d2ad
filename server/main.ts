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
    const began = Date.now();
    const timeoutMs = config.shutdownTimeoutMs;
    logger.info({ signal, timeoutMs }, 'shutting down');
    // A stop that cannot finish in time (Graph holding a request, a database that does not answer) ends here,
    // before the service manager's SIGKILL, and says so with a non-zero exit. Nothing is lost by it: every
    // commit is crash-safe, and the next start resumes what was left.
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    try {
      await relaydesk.close();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    clearTimeout(deadline);
    logger.info({ durationMs: Date.now() - began }, 'stopped');
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
