import type { MailboxLanguage } from '../mailboxes/mailbox-language';

/**
 * The line Relaydesk puts at the top of every email it sends, in the mailbox's language. Whatever the customer
 * writes above it is their reply; everything below is our quoted message (server/inbound/mail/reply-text.ts
 * cuts at any of them). Changing a text breaks reply extraction for mail already sent with the old one, so
 * treat these as a wire format: add a language, never reword one.
 */
export const REPLY_DELIMITERS: Readonly<Record<MailboxLanguage, string>> = {
  'en-US': '##- Please type your reply above this line -##',
  'it-IT': '##- Scriva la Sua risposta sopra questa riga -##',
};

/** The English delimiter, the one every mailbox used before mailboxes had a language. */
export const REPLY_DELIMITER = REPLY_DELIMITERS['en-US'];
