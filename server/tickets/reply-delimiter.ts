/**
 * The line Relaydesk puts at the top of every email it sends. Whatever the customer writes above it is their
 * reply; everything below is our quoted message (server/inbound/mail/reply-text.ts cuts there). Changing the text
 * breaks reply extraction for mail already sent with the old one, so treat it as a wire format.
 */
export const REPLY_DELIMITER = '##- Please type your reply above this line -##';
