import type { TicketQuery, TicketStatus } from '../api/types';

/** The queue's lists as API queries (GET /api/tickets). */
export const QUEUE_FILTERS = ['mine', 'unassigned', 'open', 'search'] as const;
export type QueueFilter = (typeof QUEUE_FILTERS)[number];

/** Statuses that still need work: solved and closed tickets leave the working lists. */
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'hold'];
/** Unassigned work that nobody has started: pending and on-hold tickets wait on someone already. */
const UNASSIGNED_STATUSES: readonly TicketStatus[] = ['new', 'open'];
export const QUEUE_PAGE_SIZE = 25;

/** Null for a search with no words: the pane asks nothing rather than listing every ticket. */
export function queueQuery(filter: QueueFilter, search: string, cursor?: number | null): TicketQuery | null {
  const page = { limit: QUEUE_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
  switch (filter) {
    case 'mine':
      return { assignee: 'me', status: OPEN_STATUSES, ...page };
    case 'unassigned':
      return { assignee: 'none', status: UNASSIGNED_STATUSES, ...page };
    case 'open':
      return { status: OPEN_STATUSES, ...page };
    case 'search':
      return search.trim() ? { q: search.trim(), ...page } : null;
  }
}
