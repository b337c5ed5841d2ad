/**
 * Why Relaydesk emails someone; each kind has its own words in the templates. A leaf module, so that the
 * store's schema can type the outbox column with this list.
 */
export const OUTBOX_KINDS = ['ticket_received', 'public_reply', 'internal_note'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
