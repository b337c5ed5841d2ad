import type { Logger } from '../../logger';
import { RecordedConcurrentlyError } from '../../store/errors';
import { isStoreError, isTransientConflict } from '../../store/sql-helpers';
import type { Repositories, Store, Transaction } from '../../store/store';
import { newFilterContext, type Filter, type FilterEnvironment } from '../filters/context';
import { ingestIn, recordDuplicate, recordsOf, type IngestOptions, type IngestOutcome } from './ingest';
import { runFilters } from '../filters/pipeline';
import type { ReadMessage } from '../sync/read-message';

export type BatchOutcome = IngestOutcome | { kind: 'dead_lettered'; deadLetterId: number };

export interface BatchContext {
  mailbox: { id: number; address: string };
  /** The filters' view through the batch's transaction. */
  environment: (repos: Repositories) => FilterEnvironment;
  filters: readonly Filter[];
  options: IngestOptions;
  log: Logger;
  /**
   * A first sync's backfill: messages received before this ISO time become solved tickets and comments with
   * nothing emailed, and do not count as sender bursts (a month of a customer's mail is not a flood).
   */
  backfillUntil?: string;
}

/**
 * Filters and records a batch of read messages in one transaction: one commit (SQLite's costliest step
 * by far) for the batch instead of one per message. Each message runs under its own savepoint, so a message
 * recorded meanwhile by another instance, or one that fails, is undone alone and becomes a duplicate
 * record or a dead letter. A database error rolls the whole batch back; none of it has been marked read,
 * so the next sync takes it up again.
 */
export async function ingestBatch(store: Store, batch: readonly ReadMessage[], context: BatchContext): Promise<BatchOutcome[]> {
  if (batch.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (repos) => {
        const env = context.environment(repos);
        const outcomes: BatchOutcome[] = [];
        for (const item of batch) outcomes.push(await ingestOne(repos, item, env, context));
        // Their reading ends with this commit (crash-loop protection, see syncMailbox).
        await repos.inboundReads.end(context.mailbox.id, batch.map((item) => item.message.id));
        return outcomes;
      });
    } catch (error) {
      // Two instances' batches took the same tickets' locks in opposite orders: the database chose one to
      // fail. The batch was rolled back whole, so it can simply run again (it re-checks what is recorded).
      if (attempt >= CONFLICT_ATTEMPTS || !isTransientConflict(error)) throw error;
      context.log.info({ attempt, code: (error as { code?: unknown }).code }, 'ingest batch conflicted with another transaction; running it again');
    }
  }
}

/** The sender-burst filter's name (filters/sender-burst.ts): a backfill runs without it. */
const BURST_FILTER = 'sender-burst';

/** Runs of a batch that conflicts with concurrent transactions before the sync gives up until its next pass. */
const CONFLICT_ATTEMPTS = 3;

async function ingestOne(repos: Transaction, item: ReadMessage, env: FilterEnvironment, context: BatchContext): Promise<BatchOutcome> {
  if (item.kind === 'dead_letter') return deadLetterIn(repos, item, item.reasonCode, item.reason, context);
  const ctx = newFilterContext(item.mail, context.mailbox);
  const backfill = context.backfillUntil !== undefined && Date.parse(item.message.receivedDateTime ?? '') < Date.parse(context.backfillUntil);
  const options: IngestOptions = backfill ? { ...context.options, backfill: true } : context.options;
  try {
    await runFilters(ctx, env, backfill ? context.filters.filter((f) => f.name !== BURST_FILTER) : context.filters);
  } catch (error) {
    if (isStoreError(error)) throw error;
    return deadLetterIn(repos, item, 'filter_failed', (error as Error).message, context);
  }
  try {
    const outcome = await repos.atomically(() => ingestIn(repos, ctx, item.message.id, options));
    context.log.debug({ graphId: item.message.id, outcome: outcome.kind }, 'message ingested');
    return outcome;
  } catch (error) {
    // Another instance or mailbox recorded the same Message-ID between our check and our insert.
    if (error instanceof RecordedConcurrentlyError) return repos.atomically(() => recordDuplicate(repos, ctx, item.message.id));
    if (isStoreError(error)) throw error;
    // Anything else is about this message (a ticket deleted under a reply, say): it must not block the batch.
    return deadLetterIn(repos, item, 'ingest_failed', (error as Error).message, context);
  }
}

/**
 * Keeps the message as a dead letter with its raw content, so that it can be replayed. When another mailbox
 * already recorded the same email, this copy is recorded as a duplicate of it (one email, one outcome).
 */
async function deadLetterIn(repos: Transaction, item: ReadMessage, reasonCode: string, reason: string, context: BatchContext): Promise<BatchOutcome> {
  const { message, internetMessageId, raw } = item;
  return repos.atomically(async () => {
    const { own, primary } = await recordsOf(repos, context.mailbox.id, internetMessageId);
    // The same Message-ID listed twice in one mailbox: the first copy decided.
    if (own) return { kind: 'already_recorded', ticketId: own.ticket_id };
    const letter = await repos.deadLetters.insert({
      mailboxId: context.mailbox.id,
      graphMessageId: message.id,
      internetMessageId,
      reasonCode,
      reason: reason.slice(0, 2000),
      // Without MIME, the JSON Graph returned is the best copy there is to replay from.
      raw: raw ?? (reasonCode === 'too_large' ? null : Buffer.from(JSON.stringify(message))),
    });
    // Recorded concurrently by another instance: record() throws, undoing the letter; the next sync finds that record.
    await repos.mailMessages.record({
      mailboxId: context.mailbox.id,
      internetMessageId,
      graphMessageId: message.id,
      direction: 'inbound',
      ticketId: primary?.ticket_id ?? null,
      commentId: null,
      disposition: primary ? 'duplicate' : 'dead_letter',
      dispositionReason: `${reasonCode}: dead letter ${letter.id}${primary ? `; first received in mailbox ${primary.mailbox_id}` : ''}`,
      fromAddress: message.from?.emailAddress?.address?.toLowerCase() ?? null,
      subject: (message.subject ?? '').slice(0, 998),
    });
    context.log.warn({ graphId: message.id, reasonCode, reason }, 'message dead-lettered');
    return { kind: 'dead_lettered', deadLetterId: letter.id };
  });
}
