import type { TicketDetail, TicketStatus } from '../api/types';

/**
 * What someone else changed between the ticket the agent was looking at and the one the server holds now,
 * for the conflict banner after a 412: the agent must see why the action did not go through before retrying.
 */
export interface ConflictSummary {
  status: { from: TicketStatus; to: TicketStatus } | null;
  /** Assignee e-mail addresses, null = unassigned. */
  assignee: { from: string | null; to: string | null } | null;
  newComments: number;
}

export function diffTickets(before: TicketDetail, after: TicketDetail): ConflictSummary {
  const known = new Set(before.comments.map((c) => c.id));
  const from = before.assignee?.email ?? null;
  const to = after.assignee?.email ?? null;
  return {
    status: before.status === after.status ? null : { from: before.status, to: after.status },
    assignee: from === to ? null : { from, to },
    newComments: after.comments.filter((c) => !known.has(c.id)).length,
  };
}

/** Nothing the banner could name (a CC or follower change, say): it still says the ticket changed. */
export const isEmptyConflict = (c: ConflictSummary): boolean => !c.status && !c.assignee && c.newComments === 0;
