/**
 * The shapes of the Relaydesk REST API as the task pane sees them (server/tickets/ticket-view.ts,
 * server/tickets/lookup.ts, server/http/routes/mailboxes.ts). Types only: no DOM, no Office, so the Node-side
 * tests can import them too. test/addin/api-contract.ts makes the typecheck fail when they drift apart.
 */

export type TicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';

/** What Exchange Online Protection said against a new ticket's From address (server/store/schema.ts SENDER_AUTH_FAILURES). */
export type SenderAuthFailure = 'dmarc_fail' | 'compauth_fail';

export interface Person {
  id: number;
  email: string;
  name: string | null;
}

export interface TicketSummary {
  id: number;
  reference: string;
  referenceToken: string;
  subject: string;
  status: TicketStatus;
  requester: Person;
  assignee: { id: number; email: string } | null;
  mailbox: string | null;
  followUpOf: number | null;
  /** The opening email failed sender authentication (its From may be forged), so no acknowledgement was sent. */
  senderAuthFailure: SenderAuthFailure | null;
  createdAt: string;
  updatedAt: string;
  /** Goes up on every change of the ticket or what it shows; sent back as `If-Match: "<version>"`. */
  version: number;
  /** When the ticket last changed (= updatedAt). */
  lastActivityAt: string;
}

/** The ticket an email became, as GET /api/lookup returns it: the summary and who is CC'd. */
export interface TicketCard extends TicketSummary {
  ccs: Person[];
}

/** A staff user (GET /api/me, GET /api/agents). */
export interface Agent {
  id: number;
  email: string;
  name: string | null;
  role: 'agent' | 'admin';
}

/** A file on a comment (GET /api/tickets/:id/attachments/:attachmentId downloads it). */
export interface AttachmentView {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  /** Why the bytes were not kept (too large, ...): then there is nothing to download. */
  omittedReason: string | null;
}

export type CommentVisibility = 'public' | 'internal';
/** email: came in by email (the customer's); api: written by an agent; system: written by Relaydesk. */
export type CommentSource = 'email' | 'api' | 'system';

export interface Comment {
  id: number;
  author: Person;
  visibility: CommentVisibility;
  source: CommentSource;
  bodyText: string;
  /** Sanitized by the server; still shown only in a sandboxed frame. */
  bodyHtml: string | null;
  createdAt: string;
  attachments: AttachmentView[];
}

/** GET /api/tickets/:id, and the answer of every write on a ticket. */
export interface TicketDetail extends TicketCard {
  followers: Person[];
  comments: Comment[];
  /** The Graph id of the email that opened the ticket, in the mailbox it came from ("Open original email"); null when unknown. */
  originalMessageGraphId: string | null;
}

/** GET /api/tickets. */
export interface TicketPage {
  tickets: TicketSummary[];
  nextCursor: number | null;
}

export interface TicketQuery {
  /** me, none, or an agent's id. */
  assignee?: 'me' | 'none' | number;
  status?: readonly TicketStatus[];
  q?: string;
  cursor?: number;
  limit?: number;
}

/** PATCH /api/tickets/:id. */
export interface TicketPatch {
  status?: TicketStatus;
  assigneeId?: number | null;
}

/** POST /api/tickets/:id/comments. */
export interface CommentInput {
  body: string;
  visibility: CommentVisibility;
  /** The status to set with the comment ("Send and set Pending"). */
  status?: TicketStatus;
  attachmentIds?: number[];
}

/** POST /api/tickets/from-message: `message` is what Office.js gave the pane, for mailboxes the server cannot read. */
export interface FromMessageRequest {
  internetMessageId: string;
  mailbox?: string;
  replyMailbox?: string;
  message?: {
    subject: string;
    from: { email: string; name?: string };
    receivedAt?: string;
    bodyText: string;
    bodyHtml?: string;
    ccs?: { email: string; name?: string }[];
    attachments?: { filename: string; contentType: string; contentBase64: string }[];
  };
}

export interface FromMessageResult {
  ticket: TicketDetail;
  created: boolean;
  source?: 'graph' | 'pane';
}

export type NoTicketReason =
  | 'unknown_message'
  | 'mailbox_not_linked'
  | 'mailbox_not_syncing'
  | 'waiting_for_sync'
  | 'read_before_sync'
  | 'suppressed'
  | 'dead_letter';

export type LookupResult =
  | { ticket: TicketCard; disposition: string }
  | { ticket: null; reason: NoTicketReason; detail: string | null };

export interface LookupQuery {
  internetMessageId: string;
  mailbox?: string | undefined;
  /** ISO-8601. */
  receivedAt?: string | undefined;
}

export type MailboxState = 'pending' | 'active' | 'paused' | 'needs_reauth' | 'unlinked';

/** The languages a mailbox's emails can be written in (server/mailboxes/mailbox-language.ts; PATCH /api/mailboxes/:id). */
export type MailboxLanguage = 'en-US' | 'it-IT';

/** GET /api/linked-mailboxes (agents): the mailboxes a ticket can be answered from. */
export interface LinkedMailbox {
  id: number;
  address: string;
  state: MailboxState;
  language: MailboxLanguage;
}

/** What becomes of mail once it is a ticket (server/mailboxes/mailbox-care.ts). */
export type AfterIngestAction = 'mark_read' | 'leave_unread' | 'move';
/** What a new mailbox's first sync takes; null in MailboxView while the admin has not chosen. */
export type FirstSyncMode = 'all_unread' | 'from_now' | 'last_days';

export type CredentialWarningKind = 'refresh_token_inactive' | 'client_secret_expiring' | 'certificate_expiring' | 'consent_lost';
export type CredentialWarningLevel = 'info' | 'warning' | 'critical';

/** A credential that breaks soon (server/mailboxes/credential-health.ts): 30, 7 and 1 day(s) ahead. */
export interface CredentialWarning {
  kind: CredentialWarningKind;
  level: CredentialWarningLevel;
  daysLeft: number | null;
  message: string;
}

export interface MailboxCredentials {
  grantIssuedAt: string | null;
  refreshTokenLastUsedAt: string | null;
  refreshTokenExpiresAt: string | null;
  consent: 'ok' | 'lost';
  appCredential: { kind: 'secret' | 'certificate' | 'sandbox'; expiresAt: string | null };
  warnings: CredentialWarning[];
}

/** GET /api/mailboxes/:id/first-sync: the unread mail a first sync would take, and the choice once made. */
export interface FirstSyncPreview {
  unread: number;
  oldest: string | null;
  newest: string | null;
  choice: { mode: FirstSyncMode; days: number | null } | null;
}

/** POST /api/mailboxes/:id/first-sync. */
export type FirstSyncChoice = { mode: 'all_unread' } | { mode: 'from_now' } | { mode: 'last_days'; days: number };

/** How Relaydesk holds a mailbox: someone's delegated consent, or the app's own token (client credentials). */
export type MailboxAuthMode = 'delegated' | 'application';

/**
 * What the last application-mode check proved: `scoped` when the probe mailbox (one that must stay out of
 * reach) was refused, `tenant_wide` when it was readable and the admin linked anyway.
 */
export interface AppAccess {
  scope: 'scoped' | 'tenant_wide';
  probe: string | null;
  checkedAt: string | null;
}

export interface MailboxView {
  id: number;
  address: string;
  state: MailboxState;
  authMode: MailboxAuthMode;
  /** Null for delegated mailboxes. */
  appAccess: AppAccess | null;
  stateReason: string | null;
  linkedBy: string | null;
  linkedAt: string | null;
  /** The language of the emails Relaydesk writes from this mailbox. */
  language: MailboxLanguage;
  afterIngest: { action: AfterIngestAction; folderName: string | null };
  /** `mode` null: the admin has not chosen yet, and nothing is synced until then. */
  firstSync: { mode: FirstSyncMode | null; days: number | null };
  /** Change notifications from Microsoft: on, or off with the reason (polling then carries the mailbox). */
  push: { state: 'on' | 'off'; reason: string | null };
  credentials: MailboxCredentials;
  health: {
    lastSyncAt: string | null;
    lagSeconds: number;
    messagesIngested: number;
    consecutiveFailures: number;
    lastError: { code: string; message: string | null } | null;
  };
}

/** POST /api/mailboxes: delegated answers the consent URL; application links at once and answers the mailbox. */
export interface LinkStarted {
  id: number;
  address: string;
  state: MailboxState;
  authorizeUrl: string | null;
  mailbox?: MailboxView;
}

/** The body's mode fields of POST /api/mailboxes (and, for application, of POST /api/mailboxes/:id/reauthorize). */
export type LinkOptions =
  | { mode: 'delegated' }
  | {
      mode: 'application';
      /** A mailbox the app must not be able to read; the server uses the signed-in admin's own when absent. */
      outOfScopeAddress?: string;
      /** Link even though the app can read every mailbox of the tenant (after a 422 app_not_scoped). */
      acceptTenantWide?: boolean;
    };

/** POST /api/mailboxes/:id/reauthorize: delegated answers a consent URL; application re-checks at once. */
export interface ReauthorizeResult {
  authorizeUrl: string | null;
  mailbox?: MailboxView;
}

/** GET /api/mailboxes/app-only-setup: the Exchange Online PowerShell for RBAC for Applications. */
export interface AppOnlySetup {
  appId: string;
  groupName: string;
  script: string;
  testScript: string;
}

/** GET /api/auth/config (public). */
export interface AuthConfig {
  authority: string;
  clientId: string;
  apiScope: string;
  audience: string;
  /** The link mode the pane preselects (MICROSOFT_AUTH_MODE); each mailbox may still use the other. Absent: delegated. */
  mailboxLinkMode?: MailboxAuthMode;
}

/** What the OAuth callback page (server/http/link-result-page.ts) sends back to the pane. */
export interface LinkResultMessage {
  type: 'relaydesk.link-result';
  ok: boolean;
  code: string;
  message: string;
  mailbox?: { id: number; address: string; state: string };
}

/** Every API error body: `{"error":{"code","message","details"?}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** 412 of a write sent with a stale If-Match: someone changed the ticket meanwhile; `ticket` is how it is now. */
export interface ConflictBody {
  error: { code: 'ticket_changed'; message: string };
  ticket: TicketDetail;
}
