import type { SenderAuthFailure } from '../../store/schema';
import type { InboundMail, MailAddress } from '../inbound-mail';

/** Why a message makes no ticket and no comment. Recorded with the message. */
export type SuppressionReason =
  | 'auto_response'
  | 'mail_loop'
  | 'own_notification'
  | 'bounce_unmatched'
  | 'sender_blocked'
  | 'sender_burst'
  | 'no_sender';

export type ThreadMatch = 'in_reply_to' | 'references' | 'subject_reference' | 'body_reference';

/**
 * What the filters learn about one message. Each filter reads the mail and earlier filters' findings and
 * fills in its own part; none of them writes to the database (the ingest transaction does, afterwards).
 */
export interface FilterContext {
  readonly mail: InboundMail;
  readonly mailbox: { readonly id: number; readonly address: string };
  /** X-Relaydesk-* headers, kept only when the message provably came from us (see trusted-headers). */
  relaydesk: { fromAccountId: string | null; emailId: string | null };
  suppressed: { reason: SuppressionReason; detail: string } | null;
  /** Set for a delivery failure of mail we sent: attached to that ticket as an internal note. */
  bounce: { ticketId: number; failedRecipients: string[]; diagnostic: string } | null;
  /** The ticket this message answers, if any. */
  thread: { ticketId: number; matchedBy: ThreadMatch } | null;
  requester: MailAddress | null;
  /** People to CC on the ticket: To and Cc minus linked mailboxes and the requester, at most 48. */
  ccs: MailAddress[];
  /** Recipients that would have been CCs but were over the cap (for the log and an internal note). */
  droppedCcs: string[];
  /** Agents (user ids) who were on the email: they follow the ticket instead of being CCs. */
  followers: number[];
  /** The new text of a reply (above the quote or reply delimiter); the whole body for a new ticket. */
  replyText: string;
  /** Our tenant's EOP found the From address forged (see authentication-results): flag, never acknowledge. */
  senderAuthFailure: SenderAuthFailure | null;
}

/** Read-only lookups the filters need; the real one is backed by the store. */
export interface FilterEnvironment {
  /** Addresses of linked mailboxes (lower-case): never requesters' CCs, and mail from them is a loop. */
  readonly linkedAddresses: ReadonlySet<string>;
  /** Domain of the Message-IDs Relaydesk puts on its own outgoing mail. */
  readonly messageIdDomain: string;
  readonly now: Date;
  /** The ticket of the first of these Message-IDs that Relaydesk recorded (in or out), if any. */
  ticketForMessageIds(messageIds: readonly string[]): Promise<{ ticketId: number } | null>;
  /** The ticket an encoded reference (`1A-7QX2K`) names, if it exists and the tag matches. */
  ticketForReference(reference: string): Promise<{ ticketId: number } | null>;
  /** The outbox row an X-Relaydesk-Email-Id names, to tell our own mail from a spoof. */
  outboxEmailExists(emailId: string, messageId: string): Promise<boolean>;
  /** An agent's or admin's user id for this address, if the address belongs to one. */
  agentIdForAddress(address: string): Promise<number | null>;
  /**
   * Whether the sender is blocked (until when), and how many messages they sent in the `windowMs` before `now`,
   * not counting this one. The window is the burst filter's policy, so the filter passes it in.
   */
  /** `countUpTo`: counting stops there (the burst limit), so a flooding sender costs no more than a quiet one. */
  senderActivity(address: string, windowMs: number, countUpTo?: number): Promise<{ blockedUntil: string | null; recentMessages: number }>;
  /** Whether the address is the ticket's requester or one of its CCs. */
  isOnTicket(ticketId: number, address: string): Promise<boolean>;
}

export interface Filter {
  readonly name: string;
  run(ctx: FilterContext, env: FilterEnvironment): void | Promise<void>;
}

export function newFilterContext(mail: InboundMail, mailbox: { id: number; address: string }): FilterContext {
  return {
    mail,
    mailbox,
    relaydesk: { fromAccountId: null, emailId: null },
    suppressed: null,
    bounce: null,
    thread: null,
    requester: null,
    ccs: [],
    droppedCcs: [],
    followers: [],
    replyText: mail.text,
    senderAuthFailure: null,
  };
}
