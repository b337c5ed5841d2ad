/** Error codes of the ticket domain. The HTTP layer maps each to a status; callers branch on the code. */
export type DomainErrorCode =
  | 'not_found'
  | 'invalid_transition'
  | 'ticket_closed'
  | 'too_many_ccs'
  | 'cc_is_support_address'
  | 'follower_not_agent'
  | 'assignee_not_agent'
  | 'invalid_input';

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
