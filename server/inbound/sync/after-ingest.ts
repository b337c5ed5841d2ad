import type { GraphRequestError } from '../../graph/errors';
import { markRead } from '../../graph/mail-operations';
import type { MailboxClients } from '../../graph/mailbox-clients';
import { moveMessages } from '../../graph/move-messages';
import type { Logger } from '../../logger';
import type { MailboxRow } from '../../store/schema';

export interface AfterIngestResult {
  /** Messages the action was applied to (or had nothing left to do for). */
  done: number;
  failed: { id: string; error: GraphRequestError }[];
  /** The messages left unread in the mailbox by a failure (mark_read) or by choice (leave_unread not counted). */
  stillUnread: Set<string>;
  /** Messages not acted on because the pass was told to stop: the next sync does it. */
  skipped: number;
}

/**
 * What becomes of recorded mail in the mailbox, after the commit that recorded it: marked read, left as it
 * is (the Message-ID record and the delta link keep it from being ingested again), or moved to the chosen
 * folder. Dead letters and suppressed mail get the same as ingested mail. Once `mayContinue` says stop (a
 * shutdown, a lost lease), no further request is sent: the next sync finds the rest recorded and acts on it.
 */
export async function applyAfterIngest(
  clients: MailboxClients,
  mailbox: Pick<MailboxRow, 'id' | 'address' | 'after_ingest' | 'move_folder_id'>,
  ids: readonly string[],
  large: ReadonlySet<string>,
  log: Logger,
  mayContinue: () => boolean = () => true,
): Promise<AfterIngestResult> {
  if (ids.length === 0 || mailbox.after_ingest === 'leave_unread') return { done: ids.length, failed: [], stillUnread: new Set(), skipped: 0 };
  const client = clients.client(mailbox.id);
  const onThrottled = (ms: number) => log.info({ waitMs: ms }, `${mailbox.after_ingest === 'move' ? 'move' : 'mark-read'} throttled`);
  // A move without a folder (cleared meanwhile) falls back to marking read, the default.
  const result =
    mailbox.after_ingest === 'move' && mailbox.move_folder_id
      ? await moveMessages(client, mailbox.address, ids, mailbox.move_folder_id, onThrottled, large, mayContinue)
      : await markRead(client, mailbox.address, ids, onThrottled, large, mayContinue);
  for (const failure of result.failed) log.warn({ graphId: failure.id, code: failure.error.graphCode, action: mailbox.after_ingest }, 'after-ingest action failed; the next sync will retry');
  return { done: result.done.length, failed: result.failed, stillUnread: new Set([...result.failed.map((f) => f.id), ...result.skipped]), skipped: result.skipped.length };
}

/** A failure the next sync can retry (throttling, an outage): the delta link must not move past it. */
export function isRetryable(error: GraphRequestError): boolean {
  return error.kind === 'throttled' || error.kind === 'transient' || error.kind === 'outcome_unknown';
}
