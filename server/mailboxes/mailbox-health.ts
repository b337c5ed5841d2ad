import type { OutboxBacklog } from '../store/repositories/outbox';
import type { Store } from '../store/store';
import { credentialHealth, refreshTokenLastGood, type AppCredentialInfo } from './credential-health';
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
  /** When the refresh token was last redeemed (or granted); null without a grant. */
  refreshTokenLastGoodAt: string | null;
  /** When Entra drops it unless it is used (90 days after the last use); null without a grant. */
  refreshTokenExpiresAt: string | null;
  /** Graph change notifications are on for the mailbox (off: it is polled; the mailbox view says why). */
  pushOn: boolean;
  /** Dead letters waiting for an admin (neither replayed nor discarded). */
  openDeadLetters: number;
  /** Its outgoing email: waiting (queued, retrying, being sent) since when, and given up on. */
  outbox: OutboxBacklog;
}

/** For /readyz: how many credential warnings there are, and which mailboxes (or `app`) are critical. */
export interface CredentialsReadiness {
  warnings: number;
  critical: string[];
}

export async function mailboxHealth(store: Store): Promise<MailboxHealth[]> {
  const [mailboxes, deadLetters, outbox] = await Promise.all([linkedMailboxes(store), store.deadLetters.countOpenByMailbox(), store.outbox.backlogByMailbox()]);
  return mailboxes.map((m) => ({
    address: m.address,
    state: m.state,
    messagesIngested: m.messages_ingested,
    consecutiveFailures: m.consecutive_failures,
    oldestUnreadAt: m.oldest_unread_at,
    lastSyncAt: m.last_sync_at,
    degraded: degradedOf(m),
    refreshTokenLastGoodAt: m.state === 'active' || m.state === 'paused' ? refreshTokenLastGood(m) : null,
    refreshTokenExpiresAt: credentialHealth(m).refreshTokenExpiresAt,
    pushOn: m.push_state === 'on',
    openDeadLetters: deadLetters.get(m.id) ?? 0,
    outbox: outbox.get(m.id) ?? { waiting: 0, oldestWaitingAt: null, failed: 0 },
  }));
}

/** Credential warnings across the linked mailboxes; the app credential's count once, not per mailbox. */
export async function credentialsReadiness(store: Store, appCredential: AppCredentialInfo): Promise<CredentialsReadiness> {
  let warnings = 0;
  const critical = new Set<string>();
  let appWarned = false;
  for (const m of await linkedMailboxes(store)) {
    for (const w of credentialHealth(m, appCredential).warnings) {
      const isApp = w.kind === 'client_secret_expiring' || w.kind === 'certificate_expiring';
      if (isApp && appWarned) continue;
      if (isApp) appWarned = true;
      warnings += 1;
      if (w.level === 'critical') critical.add(isApp ? 'app' : m.address);
    }
  }
  return { warnings, critical: [...critical] };
}
