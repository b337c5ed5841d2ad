import type { Store } from '../store/store';
import { linkedMailboxes } from './mailbox-lifecycle';
import type { MailboxState } from './mailbox-state';
import { degradedOf, type Degraded } from './mailbox-view';

/** What operators watch per linked mailbox (Prometheus /metrics), read from the store so every instance agrees. */
export interface MailboxHealth {
  address: string;
  state: MailboxState;
  messagesIngested: number;
  consecutiveFailures: number;
  /** ISO-8601; null when the inbox had no unread mail at the last sync. */
  oldestUnreadAt: string | null;
  lastSyncAt: string | null;
  /** Set while an active mailbox's syncs fail for a reason retrying can fix (see Degraded). */
  degraded: Degraded | null;
}

export async function mailboxHealth(store: Store): Promise<MailboxHealth[]> {
  return (await linkedMailboxes(store)).map((m) => ({
    address: m.address,
    state: m.state,
    messagesIngested: m.messages_ingested,
    consecutiveFailures: m.consecutive_failures,
    oldestUnreadAt: m.oldest_unread_at,
    lastSyncAt: m.last_sync_at,
    degraded: degradedOf(m),
  }));
}
