import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { LinkError, type LinkErrorCode } from '../identity/link-errors';
import { MailboxLifecycleError, type MailboxLifecycleErrorCode } from '../mailboxes/mailbox-lifecycle';
import { DeadLetterError, type DeadLetterErrorCode } from '../inbound/ingest/dead-letters';
import { FromMessageError, type FromMessageErrorCode } from '../inbound/from-message';
import { TokenError } from '../identity/token-verifier';
import { StaffIdentityConflict } from '../tickets/staff';
import { DomainError, TicketChangedError, type DomainErrorCode } from '../tickets/errors';
import type { TicketDetailView } from '../tickets/ticket-view';

/** An error with the HTTP status and the machine-readable code the client receives. */
export class HttpError extends Error {
  /** `body`: members the answer carries beside `error` (a 412 carries the ticket as it is now). */
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown, readonly body?: Record<string, unknown>) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The 412 answer to a write on a stale version: the error, and the ticket as it is now. */
export interface TicketChangedBody {
  error: { code: 'ticket_changed'; message: string };
  ticket: TicketDetailView;
}

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  not_found: 404,
  invalid_transition: 409,
  ticket_closed: 409,
  too_many_ccs: 422,
  cc_is_support_address: 422,
  follower_not_agent: 422,
  assignee_not_agent: 422,
  invalid_input: 400,
  ticket_changed: 412,
};

const LINK_STATUS: Partial<Record<LinkErrorCode, number>> = {
  not_found: 404,
  already_linked: 409,
  settings_block_linking: 409,
  invalid_mailbox_state: 409,
  // App-only links answer at once (no consent page): the proof that failed, as HTTP says it.
  mailbox_access_denied: 403,
  mailbox_send_denied: 403,
  mailbox_unavailable: 404,
  app_not_scoped: 422,
  scope_probe_inconclusive: 422,
  graph_unreachable: 502,
  identity_refused: 502,
  app_only_unavailable: 409,
};

const LIFECYCLE_STATUS: Record<MailboxLifecycleErrorCode, number> = {
  not_found: 404,
  invalid_mailbox_state: 409,
  folder_not_found: 400,
  first_sync_already_chosen: 409,
  mailbox_not_active: 409,
  graph_unavailable: 503,
};

const FROM_MESSAGE_STATUS: Record<FromMessageErrorCode, number> = {
  invalid_input: 400,
  message_not_found: 404,
  reply_mailbox_required: 422,
  message_unreadable: 422,
  mailbox_unavailable: 503,
};

const DEAD_LETTER_STATUS: Record<DeadLetterErrorCode, number> = { not_found: 404, not_open: 409, no_content: 409, still_failing: 422 };

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TicketChangedError) {
    const body: Omit<TicketChangedBody, 'error'> = { ticket: error.ticket };
    return new HttpError(412, error.code, error.message, undefined, body);
  }
  if (error instanceof DomainError) return new HttpError(DOMAIN_STATUS[error.code], error.code, error.message, error.details);
  if (error instanceof FromMessageError) return new HttpError(FROM_MESSAGE_STATUS[error.code], error.code, error.message);
  if (error instanceof DeadLetterError) return new HttpError(DEAD_LETTER_STATUS[error.code], error.code, error.message);
  if (error instanceof MailboxLifecycleError) return new HttpError(LIFECYCLE_STATUS[error.code], error.code, error.message, error.details);
  if (error instanceof LinkError) return new HttpError(LINK_STATUS[error.code] ?? 400, error.code, error.message, error.details);
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return new HttpError(400, 'validation_failed', issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), { issues });
  }
  if (error instanceof StaffIdentityConflict) return new HttpError(409, error.code, error.message);
  if (error instanceof TokenError) {
    return error.code === 'authority_unreachable'
      ? new HttpError(503, error.code, 'The identity provider is unreachable; try again shortly')
      : new HttpError(401, error.code, error.message);
  }
  // body-parser marks its own errors (malformed JSON, too large) with a status and `expose`.
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: unknown }).expose) {
    const type = (error as { type?: unknown }).type;
    return new HttpError(status, type === 'entity.parse.failed' ? 'malformed_json' : String(type ?? 'bad_request').replace(/\./g, '_'), (error as Error).message);
  }
  return new HttpError(500, 'internal_error', 'Something went wrong on our side; the request id helps us find it');
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'route_not_found', `No route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const httpError = toHttpError(error);
  // Only unexpected failures deserve a stack trace; answers we chose to give are logged by their code.
  if (httpError.status >= 500 && !(error instanceof HttpError)) req.log.error({ err: error }, 'request failed');
  else req.log.info({ code: httpError.code }, httpError.message);
  // RFC 6750 section 3.1: a request without credentials gets no error code in the challenge.
  if (httpError.status === 401) res.setHeader('WWW-Authenticate', httpError.code === 'unauthenticated' ? 'Bearer' : 'Bearer error="invalid_token"');
  res.status(httpError.status).json({
    ...httpError.body,
    error: { code: httpError.code, message: httpError.message, ...(httpError.details ? { details: httpError.details } : {}) },
  });
};
