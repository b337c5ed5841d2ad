import { ConfigError, loadDotEnv, parseConfig } from '../config';
import { DEAD_LETTER_STATES, DeadLetterError, type DeadLetterState } from '../inbound/ingest/dead-letters';
import { createLogger } from '../logger';
import { createRelaydesk } from '../wiring';

/**
 * Operators' tool for dead letters, against the configured database:
 *   npm run dead-letters -- list [open|replayed|discarded]
 *   npm run dead-letters -- replay <id>
 *   npm run dead-letters -- discard <id>
 * Prints JSON; exits 1 with a code on failure.
 */
async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const config = parseConfig(process.env);
  // Logs go to stderr at warn and above: stdout carries the JSON answer.
  const relaydesk = await createRelaydesk(config, { only: 'store', logger: createLogger('warn', process.stderr) });
  try {
    const { deadLetters } = relaydesk.services;
    const [command, arg] = argv;
    if (command === 'list') {
      const state = DEAD_LETTER_STATES.find((s): s is DeadLetterState => s === arg);
      print(await deadLetters.list({ state, limit: 500 }));
      return 0;
    }
    const id = Number(arg);
    if ((command === 'replay' || command === 'discard') && Number.isSafeInteger(id) && id > 0) {
      if (command === 'replay') {
        print({ id, outcome: await deadLetters.replay(id, 'cli') });
      } else {
        await deadLetters.discard(id, 'cli');
        print({ id, state: 'discarded' });
      }
      return 0;
    }
    process.stderr.write('usage: npm run dead-letters -- list [open|replayed|discarded] | replay <id> | discard <id>\n');
    return 2;
  } finally {
    await relaydesk.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = error instanceof DeadLetterError ? error.code : error instanceof ConfigError ? 'invalid_config' : 'internal_error';
    process.stderr.write(`${JSON.stringify({ error: { code, message: error instanceof Error ? error.message : String(error) } })}\n`);
    process.exit(1);
  },
);
