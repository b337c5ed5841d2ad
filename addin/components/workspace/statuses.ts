import type { TicketStatus } from '../../api/types';

/** The statuses in the order a ticket usually moves through them (the status select lists them so). */
export const TICKET_STATUS_ORDER: readonly TicketStatus[] = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
