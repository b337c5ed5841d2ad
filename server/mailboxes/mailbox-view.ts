import type { FailureClass } from '../graph/failure-classes';
import type { MailboxRow } from '../store/schema';
import type { AppScope, MailboxAuthMode } from './mailbox-access';
import { credentialHealth, SANDBOX_APP_CREDENTIAL, type AppCredentialInfo, type CredentialHealth } from './credential-health';
import type { AfterIngestAction, FirstSyncMode, PushState } from './mailbox-care';
import type { MailboxLanguage } from './mailbox-language';
import type { MailboxState } from './mailbox-state';

/**
 * An active mailbox whose syncs are failing for a reason retrying can fix (Microsoft unavailable or
 * throttling, a permission Graph refuses): it stays active, keeps syncing and sending, and this says why it
 * is behind. Degraded is health, not a state: only an admin or a lost grant changes a mailbox's state.
 */
export interface Degraded {
  failureClass: FailureClass;
  /** When the failing began. */
  since: string | null;
  reason: string | null;
}

/** A linked mailbox as admins see it (the API's answer, and the task pane's mailbox list): its state and health. */
export interface MailboxView {
  id: number;
  address: string;
  state: MailboxState;
  stateReason: string | null;
  linkedBy: string | null;
  linkedAt: string | null;
  /** The language of the emails Relaydesk writes from this mailbox. */
  language: MailboxLanguage;
  /** delegated: the mailbox's own consent; application: the app's token for its tenant (shared mailboxes). */
  authMode: MailboxAuthMode;
  /**
   * Application mode: what the least-privilege check found when access was last proven. `scoped`: the app was
   * refused the out-of-scope `probe` mailbox; `tenant_wide`: it could read it, so it holds every mailbox.
   */
  appAccess: { scope: AppScope; probe: string | null; checkedAt: string | null } | null;
  /** What becomes of mail after ingest. */
  afterIngest: { action: AfterIngestAction; folderName: string | null };
  /** The first-sync choice; `mode` null while the admin has not made it (nothing is synced until then). */
  firstSync: { mode: FirstSyncMode | null; days: number | null };
  /** Change notifications: on, or off with the reason (polling then runs at the sync interval). */
  push: { state: PushState; reason: string | null };
  /** The grant's and the app credential's remaining life, with warnings 30, 7 and 1 day(s) ahead. */
  credentials: CredentialHealth;
  health: {
    lastSyncAt: string | null;
    /** Age in seconds of the oldest unread message at the last sync; 0 when the inbox was caught up. */
    lagSeconds: number;
    messagesIngested: number;
    consecutiveFailures: number;
    lastError: { code: string; message: string | null } | null;
    /** Null while the mailbox is healthy (or not active: paused and needs_reauth say so in `state`). */
    degraded: Degraded | null;
  };
}

export function degradedOf(row: MailboxRow): Degraded | null {
  if (row.state !== 'active' || !row.failure_class) return null;
  return { failureClass: row.failure_class, since: row.failing_since, reason: row.last_error_message };
}

/** `appCredential`: what is known of the app's own credential (the sandbox's, which never expires, by default). */
export function mailboxView(row: MailboxRow, appCredential: AppCredentialInfo = SANDBOX_APP_CREDENTIAL): MailboxView {
  return {
    id: row.id,
    address: row.address,
    state: row.state,
    stateReason: row.state_reason,
    linkedBy: row.linked_by,
    linkedAt: row.linked_at,
    language: row.language,
    authMode: row.auth_mode,
    appAccess: row.auth_mode === 'application' && row.app_scope ? { scope: row.app_scope, probe: row.app_scope_probe, checkedAt: row.app_scope_checked_at } : null,
    afterIngest: { action: row.after_ingest, folderName: row.move_folder_name },
    firstSync: { mode: row.first_sync_mode, days: row.first_sync_days },
    push: { state: row.push_state, reason: row.push_reason },
    credentials: credentialHealth(row, appCredential),
    health: {
      lastSyncAt: row.last_sync_at,
      lagSeconds: row.oldest_unread_at ? Math.max(0, Math.round((Date.now() - Date.parse(row.oldest_unread_at)) / 1000)) : 0,
      messagesIngested: row.messages_ingested,
      consecutiveFailures: row.consecutive_failures,
      lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message } : null,
      degraded: degradedOf(row),
    },
  };
}
