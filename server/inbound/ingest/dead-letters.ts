import type { GraphMailMessage } from '../../graph/mail-message';
import type { DeadLetterRow } from '../../store/repositories/dead-letters';
import type { Repositories, Store } from '../../store/store';
import { newFilterContext } from '../filters/context';
import { filtersWith } from '../filters';
import { runFilters } from '../filters/pipeline';
import { filterEnvironment } from '../filters/store-environment';
import type { InboundMail } from '../inbound-mail';
import { sharedParsePool, type ParsePool } from '../mail/parse-pool';
import type { ParseTask } from '../mail/parse-worker';
import type { SyncSettings } from '../sync/mailbox-sync';
import { ingestIn, type IngestOutcome } from './ingest';

/**
 * Mail that could not be processed, for admins (the API) and operators (the CLI): both go through here, so a
 * letter is listed, replayed and discarded by the same rules and audited under whoever did it.
 */

export const DEAD_LETTER_STATES = ['open', 'replayed', 'discarded'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];

export type DeadLetterErrorCode = 'not_found' | 'not_open' | 'no_content' | 'still_failing';

export class DeadLetterError extends Error {
  constructor(readonly code: DeadLetterErrorCode, message: string) {
    super(message);
    this.name = 'DeadLetterError';
  }
}

/** The inbound settings a replay runs under: the sync's own, so a replayed letter is filtered as a synced one. */
export type ReplaySettings = Pick<SyncSettings, 'messageIdDomain' | 'burstBlockMs' | 'burst' | 'parseDeadlineMs'>;

export class DeadLetters {
  /** `pool`: where replays parse; default the process's shared pool, taken only when a replay needs it. */
  constructor(
    private readonly store: Store,
    private readonly settings: ReplaySettings,
    private readonly pool?: Pick<ParsePool, 'parse'>,
  ) {}

  /** Newest first, without the raw content (which can be megabytes). */
  list(filter: { state?: DeadLetterState | undefined; limit: number }) {
    return this.store.deadLetters.list(filter);
  }

  /**
   * Runs a letter through the pipeline again (after a fix, or once a limit was raised). The new outcome, the
   * letter's state and the audit entry commit together; a replay that fails again leaves the letter open
   * and says why.
   */
  async replay(id: number, actor: string): Promise<IngestOutcome> {
    const { store, settings } = this;
    const letter = await findOpen(store, id);
    if (!letter.raw) throw new DeadLetterError('no_content', `Dead letter ${id} has no stored content (${letter.reason_code}); discard it`);
    const mailbox = await store.mailboxes.findById(letter.mailbox_id);
    if (!mailbox) throw new DeadLetterError('not_found', `Mailbox ${letter.mailbox_id} of dead letter ${id} not found`);

    let mail: InboundMail;
    try {
      // In the parse pool like any received mail: a poison letter must not take the server down on replay.
      mail = await (this.pool ?? sharedParsePool()).parse(storedTask(letter.raw), settings.parseDeadlineMs);
    } catch (error) {
      throw new DeadLetterError('still_failing', `Dead letter ${id} still cannot be parsed: ${(error as Error).message}`);
    }
    // Record it under the id the sync used, so the mailbox's next sync recognises the message.
    if (letter.internet_message_id) mail = { ...mail, internetMessageId: letter.internet_message_id };
    const ctx = newFilterContext(mail, { id: mailbox.id, address: mailbox.address });
    const linkedAddresses = await store.mailboxes.linkedAddresses();
    return store.transaction(async (repos) => {
      // Asked again inside the transaction: a discard that committed during the parse wins.
      await findOpen(repos, id);
      await runFilters(ctx, filterEnvironment(repos, { messageIdDomain: settings.messageIdDomain, linkedAddresses }), filtersWith({ burst: settings.burst }));
      await repos.mailMessages.deleteDeadLetterRecord(mailbox.id, mail.internetMessageId);
      const outcome = await ingestIn(repos, ctx, letter.graph_message_id ?? `dead-letter-${id}`, { burstBlockMs: settings.burstBlockMs });
      await repos.deadLetters.resolve(id, 'replayed');
      await repos.audit.record({ actor, action: 'dead_letter.replayed', targetType: 'dead_letter', targetId: id, details: { outcome: outcome.kind } });
      return outcome;
    });
  }

  /** Gives up on an open letter for good; its mail stays marked read and makes no ticket. */
  async discard(id: number, actor: string): Promise<void> {
    await this.store.transaction(async (repos) => {
      await findOpen(repos, id);
      await repos.deadLetters.resolve(id, 'discarded');
      await repos.audit.record({ actor, action: 'dead_letter.discarded', targetType: 'dead_letter', targetId: id });
    });
  }
}

/** Only an open letter may be replayed or discarded: a replayed one has its outcome, a discarded one was given up on. */
async function findOpen(repos: Repositories, id: number): Promise<DeadLetterRow> {
  const letter = await repos.deadLetters.findById(id);
  if (!letter) throw new DeadLetterError('not_found', `Dead letter ${id} not found`);
  if (letter.state !== 'open') throw new DeadLetterError('not_open', `Dead letter ${id} was already ${letter.state}`);
  return letter;
}

/** Dead letters hold raw MIME, or Graph's JSON when the MIME was never downloaded. */
function storedTask(raw: Buffer): ParseTask {
  if (raw[0] === 0x7b /* { */) return { kind: 'graph', message: JSON.parse(raw.toString('utf8')) as GraphMailMessage };
  return { kind: 'mime', raw };
}
