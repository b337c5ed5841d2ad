import type { GraphMailMessage } from '../../graph/mail-operations';
import type { Store } from '../../store/store';
import { newFilterContext } from '../filters/context';
import { filtersWith } from '../filters';
import type { InboundMail } from '../inbound-mail';
import { ingestIn, type IngestOutcome } from './ingest';
import type { SyncSettings } from '../sync/mailbox-sync';
import { sharedParsePool, type ParsePool } from '../mail/parse-pool';
import type { ParseTask } from '../mail/parse-worker';
import { runFilters } from '../filters/pipeline';
import { filterEnvironment } from '../filters/store-environment';

export type ReplayErrorCode = 'not_found' | 'not_open' | 'no_content' | 'still_failing';

export class ReplayError extends Error {
  constructor(readonly code: ReplayErrorCode, message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/**
 * Runs a dead letter through the pipeline again (after a fix, or once a limit was raised). The dead-letter
 * record, the new outcome and the letter's state change commit together; a replay that fails again leaves
 * the letter open and says why.
 */
export async function replayDeadLetter(
  store: Store,
  id: number,
  settings: Pick<SyncSettings, 'messageIdDomain' | 'burstBlockMs' | 'burst' | 'parseDeadlineMs'>,
  pool: ParsePool = sharedParsePool(),
): Promise<IngestOutcome> {
  const letter = await store.deadLetters.findById(id);
  if (!letter) throw new ReplayError('not_found', `Dead letter ${id} not found`);
  if (letter.state !== 'open') throw new ReplayError('not_open', `Dead letter ${id} was already ${letter.state}`);
  if (!letter.raw) throw new ReplayError('no_content', `Dead letter ${id} has no stored content (${letter.reason_code}); discard it`);
  const mailbox = await store.mailboxes.findById(letter.mailbox_id);
  if (!mailbox) throw new ReplayError('not_found', `Mailbox ${letter.mailbox_id} of dead letter ${id} not found`);

  let mail: InboundMail;
  try {
    // In the parse pool like any received mail: a poison letter must not take the server down on replay.
    mail = await pool.parse(storedTask(letter.raw), settings.parseDeadlineMs);
  } catch (error) {
    throw new ReplayError('still_failing', `Dead letter ${id} still cannot be parsed: ${(error as Error).message}`);
  }
  // Record it under the id the sync used, so the mailbox's next sync recognises the message.
  if (letter.internet_message_id) mail = { ...mail, internetMessageId: letter.internet_message_id };
  const ctx = newFilterContext(mail, { id: mailbox.id, address: mailbox.address });
  const linkedAddresses = await store.mailboxes.linkedAddresses();
  return store.transaction(async (repos) => {
    await runFilters(ctx, filterEnvironment(repos, { messageIdDomain: settings.messageIdDomain, linkedAddresses }), filtersWith({ burst: settings.burst }));
    await repos.mailMessages.deleteDeadLetterRecord(mailbox.id, mail.internetMessageId);
    const outcome = await ingestIn(repos, ctx, letter.graph_message_id ?? `dead-letter-${id}`, { burstBlockMs: settings.burstBlockMs });
    await repos.deadLetters.resolve(id, 'replayed');
    return outcome;
  });
}

/** Dead letters hold raw MIME, or Graph's JSON when the MIME was never downloaded. */
function storedTask(raw: Buffer): ParseTask {
  if (raw[0] === 0x7b /* { */) return { kind: 'graph', message: JSON.parse(raw.toString('utf8')) as GraphMailMessage };
  return { kind: 'mime', raw };
}
