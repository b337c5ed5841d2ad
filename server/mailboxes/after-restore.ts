import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';

/**
 * What a restored database needs before a server runs on it. The mail that the lost part of the database
 * (what was recorded after the backup) had taken is still in the mailboxes, but marked read: the sync takes
 * only unread mail, and the delta link in the backup only sees it as changed to read. So each mailbox is
 * asked to take again, once, the mail received since a time the backup proves safe (`reread_since`, read by
 * inbound/sync/mailbox-sync.ts); what the backup recorded is recognised by its Message-ID, so nothing is
 * taken twice.
 */

/** Margin before the last good sync round: mail stamped a little before it may have been read in the next. */
export const REREAD_OVERLAP_MS = 60 * 60 * 1000;

export type RereadDecision =
  | { reread: true; since: string; note?: string }
  | { reread: false; why: 'unlinked' | 'never_synced' | 'leave_unread' | 'backfill' | 'move'; note?: string };

/**
 * From when a restored mailbox's mail is read again.
 *
 * After a good round (delta_synced_at) every unread message received before it had been taken, so what the
 * lost records took was received after it (an hour's margin for mail Exchange stamped a moment early).
 * While the first sync was still going on there is no such round: mail received since linking is taken
 * again, and unread mail from before linking that the first sync took after the backup is not (it cannot
 * be told from mail a person read before linking).
 */
export function rereadAfterRestore(mailbox: Pick<MailboxRow, 'state' | 'after_ingest' | 'move_folder_name' | 'last_sync_at' | 'delta_synced_at' | 'sync_since' | 'backfill_until' | 'linked_at' | 'created_at'>): RereadDecision {
  if (mailbox.state === 'unlinked') return { reread: false, why: 'unlinked' };
  if (mailbox.last_sync_at === null) return { reread: false, why: 'never_synced' };
  // Left unread, the mail is still unread: the delta round from the backup's link takes it again.
  if (mailbox.after_ingest === 'leave_unread') return { reread: false, why: 'leave_unread' };
  if (mailbox.after_ingest === 'move') {
    return { reread: false, why: 'move', note: `mail moved to '${mailbox.move_folder_name ?? '?'}' since the backup is not taken again: move it back to the Inbox, unread, to have it ingested` };
  }
  // A first sync that backfills lists read mail anyway, up to the moment the admin chose.
  if (mailbox.delta_synced_at === null && mailbox.backfill_until !== null) return { reread: false, why: 'backfill' };
  const floor = mailbox.sync_since;
  if (mailbox.delta_synced_at !== null) {
    const since = new Date(Date.parse(mailbox.delta_synced_at) - REREAD_OVERLAP_MS).toISOString();
    return { reread: true, since: floor && floor > since ? floor : since };
  }
  const linked = new Date(Date.parse(mailbox.linked_at ?? mailbox.created_at) - REREAD_OVERLAP_MS).toISOString();
  return {
    reread: true,
    since: floor && floor > linked ? floor : linked,
    note: 'its first sync had not finished when the backup was taken: unread mail from before linking that it took after the backup is not taken again',
  };
}

export interface RestoredMailbox {
  id: number;
  address: string;
  decision: RereadDecision;
}

/**
 * Marks every mailbox of a restored database for its re-read, frees the leases held when the backup was
 * taken, and has the emails that may have gone out since looked for before they are sent again.
 */
export async function prepareRestoredStore(store: Store, now: Date): Promise<{ mailboxes: RestoredMailbox[]; emailsToSettle: number }> {
  const mailboxes: RestoredMailbox[] = [];
  for (const mailbox of await store.mailboxes.list()) {
    const decision = rereadAfterRestore(mailbox);
    await store.mailboxes.markRestored(mailbox.id, decision.reread ? decision.since : null);
    mailboxes.push({ id: mailbox.id, address: mailbox.address, decision });
  }
  const emailsToSettle = await store.outbox.settleAfterRestore(now.toISOString());
  return { mailboxes, emailsToSettle };
}
