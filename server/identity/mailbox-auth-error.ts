import { ClassifiedError, TOKEN_FAILURE_KIND, type Failure, type TokenFailureCode } from '../graph/failure-policy';

/**
 * needs_reauth: Entra refused the grant, only an admin's consent brings the mailbox back; identity_unavailable:
 * Entra (or the way to it) failed, retry later; identity_refused: Entra refused the app itself (its secret, its
 * registration); mailbox_not_linked: no tokens to use.
 */
export type MailboxAuthErrorCode = TokenFailureCode;

/** A token that could not be had, classified by the failure policy (graph/failure-policy.ts). */
export class MailboxAuthError extends ClassifiedError {
  declare readonly code: MailboxAuthErrorCode;

  constructor(code: MailboxAuthErrorCode, message: string, readonly aadstsCode?: string, failure?: Failure) {
    super(failure?.kind ?? TOKEN_FAILURE_KIND[code], code, failure?.status ?? 0, 'identity', message, failure?.retryAfterMs, { aadsts: aadstsCode, cause: failure });
    this.name = 'MailboxAuthError';
  }
}
