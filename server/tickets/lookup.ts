import type { Store } from '../store/store';
import { cardView, type TicketCardView } from './ticket-view';

/** Why an email has no ticket; the task pane explains each one. */
export type NoTicketReason =
  | 'unknown_message'
  | 'mailbox_not_linked'
  | 'mailbox_not_syncing'
  | 'waiting_for_sync'
  | 'read_before_sync'
  | 'suppressed'
  | 'dead_letter';

export type LookupResult = { ticket: TicketCardView; disposition: string } | { ticket: null; reason: NoTicketReason; detail: string | null };

export interface LookupQuery {
  internetMessageId: string;
  /** The mailbox the email is in, when the caller knows it. */
  mailbox?: string | undefined;
  /** When the email arrived (ISO-8601), to tell "not synced yet" from "was already read when we looked". */
  receivedAt?: string | undefined;
}

/** What became of an email: its ticket (with its CCs), or the reason it has none. */
export async function lookupMessage(store: Store, query: LookupQuery): Promise<LookupResult> {
  const records = await store.mailMessages.findByMessageId(query.internetMessageId);
  const withTicket = records.find((r) => r.ticket_id !== null);
  if (withTicket?.ticket_id) {
    const row = await store.tickets.listRow(withTicket.ticket_id);
    // The CCs come along, so that the task pane needs one request per email.
    if (row) return { ticket: cardView(row, await store.tickets.listParticipants(row.id)), disposition: withTicket.disposition };
  }
  const suppressed = records.find((r) => r.disposition === 'suppressed');
  if (suppressed) return { ticket: null, reason: 'suppressed', detail: suppressed.disposition_reason };
  const dead = records.find((r) => r.disposition === 'dead_letter');
  if (dead) return { ticket: null, reason: 'dead_letter', detail: dead.disposition_reason };

  if (!query.mailbox) return { ticket: null, reason: 'unknown_message', detail: null };
  const mailbox = await store.mailboxes.findByAddress(query.mailbox);
  if (!mailbox || mailbox.state === 'unlinked') return { ticket: null, reason: 'mailbox_not_linked', detail: query.mailbox };
  if (mailbox.state !== 'active') return { ticket: null, reason: 'mailbox_not_syncing', detail: mailbox.state };
  // A sync after the email arrived would have ticketed it had it been unread: someone read it first.
  if (query.receivedAt && mailbox.last_sync_at && mailbox.oldest_unread_at === null && mailbox.last_sync_at > query.receivedAt) {
    return { ticket: null, reason: 'read_before_sync', detail: mailbox.last_sync_at };
  }
  return { ticket: null, reason: 'waiting_for_sync', detail: mailbox.last_sync_at };
}

/** lookupMessage over one store, for the API. */
export class MessageLookup {
  constructor(private readonly store: Store) {}

  find(query: LookupQuery): Promise<LookupResult> {
    return lookupMessage(this.store, query);
  }
}
