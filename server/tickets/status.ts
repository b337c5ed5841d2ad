import type { TicketStatus } from './ticket-status';

/**
 * Which status an agent may move a ticket to from each status. `new` is only ever the first status;
 * `closed` is final (a customer who writes again gets a follow-up ticket instead).
 */
const AGENT_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['open', 'pending', 'hold', 'solved'],
  open: ['pending', 'hold', 'solved'],
  pending: ['open', 'hold', 'solved'],
  hold: ['open', 'pending', 'solved'],
  solved: ['open', 'pending', 'hold', 'closed'],
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return from === to ? from !== 'closed' : AGENT_TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: TicketStatus): readonly TicketStatus[] {
  return AGENT_TRANSITIONS[from];
}

/** What a reply from the requester or a CC does to a ticket. */
export type EndUserReplyOutcome = { kind: 'status'; status: TicketStatus } | { kind: 'follow_up' };

export function onEndUserReply(status: TicketStatus): EndUserReplyOutcome {
  switch (status) {
    case 'pending':
    case 'solved':
      return { kind: 'status', status: 'open' };
    case 'closed':
      return { kind: 'follow_up' };
    default:
      return { kind: 'status', status };
  }
}

/**
 * Status after an agent's public reply when the agent does not choose one: a new ticket that an agent has
 * answered is being worked on.
 */
export function onAgentPublicReply(status: TicketStatus): TicketStatus {
  return status === 'new' ? 'open' : status;
}

/** Status after (un)assignment: assigning a new ticket opens it. */
export function onAssign(status: TicketStatus): TicketStatus {
  return status === 'new' ? 'open' : status;
}
