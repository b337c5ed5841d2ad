import { randomBytes } from 'node:crypto';

/**
 * The marks Relaydesk puts on the mail it sends, and how it knows them when that mail comes back: the outbound
 * composer writes them and the inbound filters read them, so both sides import them from here and can never
 * drift apart (a renamed header on one side would silently turn loop detection off).
 */

/** Headers on every email Relaydesk sends. */
export const RELAYDESK_HEADERS = {
  autoSubmitted: 'Auto-Submitted',
  autoResponseSuppress: 'X-Auto-Response-Suppress',
  mailer: 'X-Mailer',
  fromAccountId: 'X-Relaydesk-From-Account-Id',
  emailId: 'X-Relaydesk-Email-Id',
} as const;

/** Used until an operator sets MESSAGE_ID_DOMAIN: recognisably ours, and never a domain anyone can mail from. */
export const DEFAULT_MESSAGE_ID_DOMAIN = 'relaydesk.localhost';

/**
 * The header values for one email. Auto-Submitted and X-Auto-Response-Suppress tell the customer's systems
 * not to answer a machine (RFC 3834; Exchange's own header), so an out-of-office cannot start a ping-pong;
 * the two X-Relaydesk headers name the mailbox and outbox row, believed on the way back only next to our own
 * Message-ID (see trusted-headers).
 */
export function relaydeskHeaders(mark: { accountId: number; emailId: number }): Record<string, string> {
  return {
    [RELAYDESK_HEADERS.autoSubmitted]: 'auto-generated',
    [RELAYDESK_HEADERS.autoResponseSuppress]: 'All',
    [RELAYDESK_HEADERS.mailer]: 'Relaydesk Mailer',
    [RELAYDESK_HEADERS.fromAccountId]: String(mark.accountId),
    [RELAYDESK_HEADERS.emailId]: String(mark.emailId),
  };
}

/** A new Message-ID for an outbox row: its ticket and row, plus randomness so that it cannot be guessed. */
export function mintMessageId(email: { ticketId: number; outboxId: number }, messageIdDomain: string): string {
  return `<relaydesk.${email.ticketId}.${email.outboxId}.${randomBytes(6).toString('hex')}@${messageIdDomain}>`;
}

/** Whether a Message-ID (`<local@domain>`) was minted by us, i.e. its domain is our Message-ID domain. */
export function isOurMessageId(messageId: string, messageIdDomain: string): boolean {
  const domain = /@([^@<>\s]+)>?$/.exec(messageId.trim())?.[1];
  return domain !== undefined && messageIdDomain !== '' && domain.toLowerCase() === messageIdDomain.toLowerCase();
}
