/**
 * The words for a ticket's status. A leaf module (it imports nothing) so that the store's schema can type its
 * column with the domain's own list; the rules for moving between them live in status.ts.
 */
export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
