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
}

/** The ticket an email became, as GET /api/lookup returns it: the summary and who is CC'd. */
export interface TicketCard extends TicketSummary {
  ccs: Person[];
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

export interface MailboxView {
  id: number;
  address: string;
  state: MailboxState;
  stateReason: string | null;
  linkedBy: string | null;
  linkedAt: string | null;
  health: {
    lastSyncAt: string | null;
    lagSeconds: number;
    messagesIngested: number;
    consecutiveFailures: number;
    lastError: { code: string; message: string | null } | null;
  };
}

/** POST /api/mailboxes. */
export interface LinkStarted {
  id: number;
  address: string;
  state: MailboxState;
  authorizeUrl: string;
}

/** GET /api/auth/config (public). */
export interface AuthConfig {
  authority: string;
  clientId: string;
  apiScope: string;
  audience: string;
}

/** What the OAuth callback page (server/http/link-result-page.ts) sends back to the pane. */
export interface LinkResultMessage {
  type: 'relaydesk.link-result';
  ok: boolean;
  code: string;
  message: string;
  mailbox?: { id: number; address: string; state: string };
}

/** Every API error body: `{"error":{"code","message"}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
