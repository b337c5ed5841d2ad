import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
// The domain's words for its columns: leaf modules that import nothing, never the domain's behaviour.
import type { FailureClass } from '../graph/failure-classes';
import type { AfterIngestAction, FirstSyncMode, PushState } from '../mailboxes/mailbox-care';
import type { AppScope, MailboxAuthMode } from '../mailboxes/mailbox-access';
import type { MailboxLanguage } from '../mailboxes/mailbox-language';
import type { MailboxState } from '../mailboxes/mailbox-state';
import type { OutboxKind } from '../outbound/outbox-kinds';
import type { TicketStatus } from '../tickets/ticket-status';

/**
 * Table types shared by both dialects. Timestamps are ISO-8601 UTC strings (`toISOString()`), which sort and
 * compare correctly as text in SQLite and PostgreSQL alike; JSON columns are text.
 */

export type UserRole = 'end_user' | 'agent' | 'admin';
export type ParticipantKind = 'cc' | 'follower';
export type CommentVisibility = 'public' | 'internal';
export type CommentSource = 'email' | 'api' | 'system';
export type MailDirection = 'inbound' | 'outbound';
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed';
/** What our tenant's Exchange Online Protection said against a new ticket's From address (see authentication-results). */
export const SENDER_AUTH_FAILURES = ['dmarc_fail', 'compauth_fail'] as const;
export type SenderAuthFailure = (typeof SENDER_AUTH_FAILURES)[number];

export interface UsersTable {
  id: Generated<number>;
  email: string;
  display_name: string | null;
  role: UserRole;
  /** Entra object id (oid) for agents and admins who have called the API. */
  external_id: string | null;
  /** Set when a bounce proved the address cannot receive mail. */
  undeliverable_reason: string | null;
  /** A sender suppressed for bursting is blocked until this time. */
  blocked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface MailboxesTable {
  id: Generated<number>;
  address: string;
  display_name: string | null;
  state: MailboxState;
  state_reason: string | null;
  /** AES-256-GCM ciphertext of the msal-node token cache; never logged. */
  token_cache: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  last_sync_at: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  consecutive_failures: Generated<number>;
  messages_ingested: Generated<number>;
  /** The MSAL account (home account id) whose tokens serve this mailbox. */
  home_account_id: string | null;
  linked_by: string | null;
  linked_at: string | null;
  oldest_unread_at: string | null;
  /** The failure policy's class of the last failed sync; null once a sync succeeds (degraded while set). */
  failure_class: FailureClass | null;
  /** When the syncs that are failing began to fail. */
  failing_since: string | null;
  /** The language of the emails Relaydesk writes from this mailbox. */
  language: Generated<MailboxLanguage>;
  /** What becomes of a message once it is recorded; `move` goes to move_folder_id (named move_folder_name). */
  after_ingest: Generated<AfterIngestAction>;
  move_folder_id: string | null;
  move_folder_name: string | null;
  /** The admin's first-sync choice; null while it is awaited (nothing is synced until then). */
  first_sync_mode: FirstSyncMode | null;
  first_sync_days: number | null;
  /** Full listings take mail received from this time on (null: all of it). */
  sync_since: string | null;
  /** Mail received before this time is a backfill: solved tickets, nothing emailed. */
  backfill_until: string | null;
  /** The Inbox's @odata.deltaLink, stored with what the sync that reached it recorded. */
  delta_link: string | null;
  delta_synced_at: string | null;
  /** Set by a restore: the next sync takes mail received since then, read or not, that is not recorded. */
  reread_since: string | null;
  /** Set by a change notification (or a lifecycle event): the mailbox is due now. Cleared by the claim. */
  sync_requested_at: string | null;
  push_state: Generated<PushState>;
  /** Why push is off (or what last went wrong with it). */
  push_reason: string | null;
  /** When a subscription was last tried for, so a failing one is retried at a measured pace. */
  push_checked_at: string | null;
  /** When the admin consented (linked or re-authorized): the refresh token grant's age. */
  grant_issued_at: string | null;
  /** When Microsoft last redeemed the refresh token (Entra drops one unused for 90 days). */
  refresh_token_used_at: string | null;
  /** delegated: the token cache holds the mailbox's own grant; application: the app's token for `tenant`. */
  auth_mode: Generated<MailboxAuthMode>;
  /** Application mode: the tenant (GUID or verified domain) whose client-credentials token serves the mailbox. */
  tenant: string | null;
  /** Application mode: whether the least-privilege check found the app scoped to some mailboxes or tenant-wide. */
  app_scope: AppScope | null;
  /** The out-of-scope address that check read (it must be refused for `scoped`). */
  app_scope_probe: string | null;
  app_scope_checked_at: string | null;
  created_at: string;
  updated_at: string;
}

export type LinkPurpose = 'link' | 'reauthorize';


export interface OauthLinksTable {
  id: Generated<number>;
  state_hash: string;
  mailbox_id: number;
  purpose: LinkPurpose;
  /** PKCE verifier, sealed by the token vault. */
  code_verifier: string;
  nonce: string;
  requested_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  outcome: string | null;
}

export interface SettingsTable {
  key: string;
  /** JSON value. */
  value: string;
  updated_by: string;
  updated_at: string;
}

export interface TicketsTable {
  id: Generated<number>;
  /** Random part of the ticket's short reference (see tickets/reference.ts). */
  reference_tag: string;
  mailbox_id: number | null;
  subject: string;
  status: TicketStatus;
  requester_id: number;
  assignee_id: number | null;
  /** The closed ticket this one follows up, when a customer replied to a closed ticket. */
  follow_up_of_id: number | null;
  /** Set when the mail that opened the ticket failed sender authentication: no acknowledgement was sent. */
  sender_auth_failure: SenderAuthFailure | null;
  /** Goes up with every change of the ticket or what it shows: the API's ETag. */
  version: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface TicketParticipantsTable {
  ticket_id: number;
  user_id: number;
  kind: ParticipantKind;
  created_at: string;
}

export interface CommentsTable {
  id: Generated<number>;
  ticket_id: number;
  author_id: number;
  visibility: CommentVisibility;
  source: CommentSource;
  body_text: string;
  body_html: string | null;
  created_at: string;
}

export interface MailMessagesTable {
  id: Generated<number>;
  mailbox_id: number;
  internet_message_id: string;
  graph_message_id: string | null;
  direction: MailDirection;
  ticket_id: number | null;
  comment_id: number | null;
  /** What became of the message: ticket_created, comment_added, suppressed, dead_letter, sent, ... */
  disposition: string;
  disposition_reason: string | null;
  from_address: string | null;
  subject: string | null;
  created_at: string;
}

export interface OutboxTable {
  id: Generated<number>;
  ticket_id: number;
  mailbox_id: number;
  comment_id: number | null;
  kind: OutboxKind;
  /** JSON text of `{ to: string[], cc: string[] }`: only the outbox repository writes and parses it. */
  recipients: string;
  state: OutboxState;
  attempts: Generated<number>;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  message_id: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** 1 when the last attempt may have been sent (no answer from Graph): check Sent Items before resending. */
  outcome_unknown: Generated<number>;
  last_attempt_at: string | null;
  /** To and Cc together: what Exchange counts against the mailbox's recipients per day. */
  recipient_count: Generated<number>;
  /** Times an unknown outcome was looked for in the mailbox and not found (a resend needs two). */
  settle_looks: Generated<number>;
  /** The Graph draft a large email is built in (draft, upload sessions, send), once created. */
  draft_id: string | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  mailbox_id: number;
  graph_message_id: string | null;
  internet_message_id: string | null;
  reason_code: string;
  reason: string;
  raw: Buffer | null;
  state: 'open' | 'replayed' | 'discarded';
  created_at: string;
  resolved_at: string | null;
}

export interface AttachmentsTable {
  id: Generated<number>;
  ticket_id: number;
  comment_id: number | null;
  filename: string;
  content_type: string;
  size: number;
  content_id: string | null;
  inline: Generated<number>;
  /** Null when the attachment was over the size cap (omitted_reason says so). */
  content: Buffer | null;
  omitted_reason: string | null;
  created_at: string;
  /** An agent's upload for a reply: held (comment_id null) until the reply takes it. */
  uploaded_by: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON object with the action's details. */
  details: string;
  created_at: string;
}

/** A message whose reading began and has not ended in a commit (crash-loop protection). */
export interface InboundReadsTable {
  mailbox_id: number;
  graph_message_id: string;
  attempts: number;
  started_at: string;
}

/** A mailbox's Graph subscription on its Inbox; the clientState is kept only as its SHA-256. */
export interface GraphSubscriptionsTable {
  mailbox_id: number;
  subscription_id: string;
  client_state_hash: string;
  expires_at: string;
  /** When the lease holder renews it: well before expiry, or at once after reauthorizationRequired. */
  renew_due_at: string;
  created_at: string;
  renewed_at: string | null;
}

export interface DB {
  graph_subscriptions: GraphSubscriptionsTable;
  inbound_reads: InboundReadsTable;
  users: UsersTable;
  mailboxes: MailboxesTable;
  tickets: TicketsTable;
  ticket_participants: TicketParticipantsTable;
  comments: CommentsTable;
  mail_messages: MailMessagesTable;
  outbox: OutboxTable;
  dead_letters: DeadLettersTable;
  audit_log: AuditLogTable;
  oauth_links: OauthLinksTable;
  attachments: AttachmentsTable;
  settings: SettingsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type TicketRow = Selectable<TicketsTable>;
export type TicketUpdate = Updateable<TicketsTable>;
export type CommentRow = Selectable<CommentsTable>;
export type MailboxRow = Selectable<MailboxesTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type OauthLinkRow = Selectable<OauthLinksTable>;
export type MailboxUpdate = Updateable<MailboxesTable>;
export type GraphSubscriptionRow = Selectable<GraphSubscriptionsTable>;
