import { ConfigError, loadDotEnv, parseConfig } from '../config';
import { Store } from '../store/store';
import { DEFAULT_SYNC_SETTINGS } from '../inbound/sync/mailbox-sync';
import { replayDeadLetter, ReplayError } from '../inbound/ingest/replay';

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
  const store = await Store.open(config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'postgres', url: config.database.url });
  try {
    const [command, arg] = argv;
    if (command === 'list') {
      const state = arg === 'open' || arg === 'replayed' || arg === 'discarded' ? arg : undefined;
      print(await store.deadLetters.list({ state, limit: 500 }));
      return 0;
    }
    const id = Number(arg);
    if ((command === 'replay' || command === 'discard') && Number.isSafeInteger(id) && id > 0) {
      if (command === 'replay') {
        const outcome = await replayDeadLetter(store, id, { ...DEFAULT_SYNC_SETTINGS, burstBlockMs: config.sync.senderBlockMs, messageIdDomain: config.messageIdDomain });
        await store.audit.record({ actor: 'cli', action: 'dead_letter.replayed', targetType: 'dead_letter', targetId: id, details: { outcome: outcome.kind } });
        print({ id, outcome });
      } else {
        const letter = await store.deadLetters.findById(id);
        if (!letter) throw new ReplayError('not_found', `Dead letter ${id} not found`);
        if (letter.state !== 'open') throw new ReplayError('not_open', `Dead letter ${id} was already ${letter.state}`);
        await store.deadLetters.resolve(id, 'discarded');
        await store.audit.record({ actor: 'cli', action: 'dead_letter.discarded', targetType: 'dead_letter', targetId: id });
        print({ id, state: 'discarded' });
      }
      return 0;
    }
    process.stderr.write('usage: npm run dead-letters -- list [open|replayed|discarded] | replay <id> | discard <id>\n');
    return 2;
  } finally {
    await store.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = error instanceof ReplayError ? error.code : error instanceof ConfigError ? 'invalid_config' : 'internal_error';
    process.stderr.write(`${JSON.stringify({ error: { code, message: error instanceof Error ? error.message : String(error) } })}\n`);
    process.exit(1);
  },
);
