/**
 * The languages Relaydesk writes a mailbox's emails in (acknowledgements, notifications). A leaf module, so
 * that the store's schema and its check constraint use this list.
 */
export const MAILBOX_LANGUAGES = ['en-US', 'it-IT'] as const;
export type MailboxLanguage = (typeof MAILBOX_LANGUAGES)[number];
export const DEFAULT_MAILBOX_LANGUAGE: MailboxLanguage = 'en-US';
