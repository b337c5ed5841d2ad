/**
 * The words for what a failed Graph or identity call means, as the failure policy (failure-policy.ts) decides
 * it once for every caller. A leaf module, so that the store can type a mailbox's failure column with them.
 */
export const FAILURE_CLASSES = [
  /** Told to wait (429, or 503 / 504 on a request that can be repeated): wait Retry-After, then try again. */
  'throttled',
  /** A server error or a lost connection on a request that can be repeated, or Entra out of service: back off, retry. */
  'transient',
  /** A request with an effect (a send) whose answer was lost or was a server error: it may have been carried out. */
  'outcome_unknown',
  /** Entra refused the stored grant (revoked, expired, consent withdrawn, user gone): only a new consent helps. */
  'grant_lost',
  /** Graph refused a fresh token or the mailbox (401, 403), or Entra refused the app itself. */
  'permission_missing',
  'not_found',
  /** The request itself is wrong: repeating it will not help. */
  'bad_request',
  /** More than Graph takes in one request or one message. */
  'too_large',
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];
