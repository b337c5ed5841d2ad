import type { TicketDetailView } from './ticket-view';

/** Error codes of the ticket domain. The HTTP layer maps each to a status; callers branch on the code. */
export type DomainErrorCode =
  | 'not_found'
  | 'invalid_transition'
  | 'ticket_closed'
  | 'too_many_ccs'
  | 'cc_is_support_address'
  | 'follower_not_agent'
  | 'assignee_not_agent'
  | 'invalid_input'
  | 'ticket_changed';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A write sent with If-Match named a version the ticket has moved past: someone else changed it meanwhile.
 * Carries the ticket as it is now, so the caller can show what changed without another request.
 */
export class TicketChangedError extends DomainError {
  constructor(readonly ticket: TicketDetailView) {
    super('ticket_changed', 'The ticket changed since you loaded it; reload it and try again', { version: ticket.version });
    this.name = 'TicketChangedError';
  }
}
