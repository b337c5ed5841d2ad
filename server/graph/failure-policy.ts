import type { FailureClass } from './failure-classes';

/**
 * The one failure policy. Every failed Graph request and every failed token request is classified here, once,
 * into a FailureClass; callers (the governed middleware, mark-read, the sync, the relay, token refresh) act on
 * the class and never look at status codes or message text themselves.
 *
 * Graph failures are classified by HTTP status and Graph's error code. Identity failures are classified by the
 * OAuth `error` Entra sends, which Microsoft says "should be used to react to errors"; AADSTS numbers "can help
 * in diagnostics" and change over time, so they only name the reason (Entra's reference-error-codes). Only an
 * explicit refusal of the grant (invalid_grant and the interaction errors) loses a mailbox's grant: an Entra
 * outage, a gateway page, a reset connection or an error Relaydesk does not know are transient.
 */

export type FailureSource = 'graph' | 'identity' | 'internal';

export interface Failure {
  kind: FailureClass;
  /** Graph's error code, Entra's OAuth error (or MSAL's code), a token failure code, `network` or `internal_error`. */
  code: string;
  /** HTTP status of the answer; 0 when none came (or it did not matter). */
  status: number;
  message: string;
  /** Graph asked for this wait (Retry-After). */
  retryAfterMs?: number | undefined;
  /** A Graph call, getting a token for one, or Relaydesk itself. */
  source: FailureSource;
  /** Entra's diagnostic number, e.g. AADSTS50173, for the reason admins read. */
  aadsts?: string | undefined;
}

/** An error that carries its class: whoever catches it acts on `kind`. */
export class ClassifiedError extends Error implements Failure {
  readonly aadsts: string | undefined;

  constructor(
    readonly kind: FailureClass,
    readonly code: string,
    readonly status: number,
    readonly source: FailureSource,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; aadsts?: string | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClassifiedError';
    this.aadsts = options?.aadsts;
  }
}

/**
 * What a Graph request answers when no token could be had for it (the governed middleware answers it without
 * sending anything), and the codes of MailboxAuthError. One per way a caller must act.
 */
export const TOKEN_FAILURE_CODES = ['needs_reauth', 'mailbox_not_linked', 'identity_unavailable', 'identity_refused'] as const;
export type TokenFailureCode = (typeof TOKEN_FAILURE_CODES)[number];

export const TOKEN_FAILURE_KIND: Readonly<Record<TokenFailureCode, FailureClass>> = {
  needs_reauth: 'grant_lost',
  // The mailbox was unlinked meanwhile: its tokens are gone, nothing to re-authorize.
  mailbox_not_linked: 'not_found',
  identity_unavailable: 'transient',
  identity_refused: 'permission_missing',
};

export function isTokenFailureCode(code: string): code is TokenFailureCode {
  return (TOKEN_FAILURE_CODES as readonly string[]).includes(code);
}

/** The token failure code that tells a caller of Graph how to act on an identity failure of this class. */
export function tokenFailureCode(kind: FailureClass): TokenFailureCode {
  switch (kind) {
    case 'grant_lost':
      return 'needs_reauth';
    case 'not_found':
      return 'mailbox_not_linked';
    case 'throttled':
    case 'transient':
    case 'outcome_unknown':
      return 'identity_unavailable';
    default:
      return 'identity_refused';
  }
}

export interface GraphFailureContext {
  /**
   * The request has an effect that must not happen twice (sendMail, creating a draft). Only a 429 proves it
   * was not carried out; any other server error or a lost answer leaves its outcome unknown.
   */
  mayHaveTakenEffect?: boolean;
}

/** Graph's codes that decide the class whatever the status. */
const GRAPH_CODE_CLASS: Readonly<Record<string, FailureClass>> = {
  // On-premises, inactive or soft-deleted mailboxes, and addresses Graph does not know: no mailbox to serve.
  MailboxNotEnabledForRESTAPI: 'not_found',
  MailboxNotSupportedForRESTAPI: 'not_found',
  ErrorMailboxNotEnabledForRESTAPI: 'not_found',
  ErrorInvalidUser: 'not_found',
  ErrorMessageSizeExceeded: 'too_large',
  RequestEntityTooLarge: 'too_large',
};

/** The class of a Graph answer (status 0: no answer), from its status and Graph's error code. */
export function graphErrorKind(status: number, code: string, context: GraphFailureContext = {}): FailureClass {
  if (isTokenFailureCode(code)) return TOKEN_FAILURE_KIND[code];
  const byCode = GRAPH_CODE_CLASS[code];
  if (byCode) return byCode;
  if (status === 429) return 'throttled';
  if (status === 0 || status === 408 || status >= 500) {
    if (context.mayHaveTakenEffect) return 'outcome_unknown';
    // Graph's overload answers: wait (Retry-After) before the next request to the mailbox.
    return status === 503 || status === 504 ? 'throttled' : 'transient';
  }
  if (status === 401 || status === 403) return 'permission_missing';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 413) return 'too_large';
  return 'bad_request';
}

/** The fields of @azure/msal-node's errors (AuthError and its subclasses), read without importing MSAL here. */
interface MsalErrorShape {
  errorCode: string;
  /** The AADSTS number (Entra's error_codes[0]), when Entra answered. */
  errorNo?: string | number;
  /** The HTTP status, which msal-node gives for some flows only. */
  status?: number;
}

/** OAuth errors by which Entra refuses the grant itself: the refresh token will never work again. */
const GRANT_REFUSALS = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required']);
/** MSAL's own codes for a token cache that holds no usable refresh token. */
const NO_USABLE_GRANT = new Set(['no_tokens_found', 'refresh_token_expired', 'no_account_in_silent_request', 'no_account_found']);
/** OAuth errors that ask for a retry. */
const RETRY_LATER = new Set(['temporarily_unavailable', 'server_error']);
/** Entra refused the app rather than the grant: fixed in the app registration or the tenant, not by re-consent of one mailbox. */
const APP_REFUSALS: Readonly<Record<string, FailureClass>> = {
  invalid_client: 'permission_missing',
  unauthorized_client: 'permission_missing',
  invalid_resource: 'permission_missing',
  invalid_scope: 'bad_request',
  invalid_request: 'bad_request',
  unsupported_grant_type: 'bad_request',
};

/** What the AADSTS numbers of a lost grant mean, for the reason an admin reads (never for the decision). */
const GRANT_LOSS_REASONS: Readonly<Record<string, string>> = {
  AADSTS50173: 'the grant was revoked (password changed or sessions revoked)',
  AADSTS50132: 'the session ended after a password change',
  AADSTS50133: 'the session ended after a password change',
  AADSTS70008: 'the refresh token expired',
  AADSTS700082: 'the refresh token expired after 90 days unused',
  AADSTS700084: 'the browser refresh token expired',
  AADSTS70043: 'sign-in frequency (Conditional Access) requires a new sign-in',
  AADSTS65001: 'consent to the app is missing or was withdrawn',
  AADSTS50034: 'the user no longer exists in the directory',
  AADSTS51004: 'the user no longer exists in the directory',
  AADSTS50057: 'the user account is disabled',
  AADSTS50076: 'multifactor authentication is now required',
  AADSTS50079: 'multifactor authentication registration is required',
  AADSTS53003: 'Conditional Access blocks the sign-in',
  AADSTS70000: 'the grant is invalid',
  AADSTS9002313: 'the refresh token is malformed or unknown',
};

function msalShape(error: unknown): MsalErrorShape | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e['errorCode'] !== 'string') return undefined;
  return {
    errorCode: e['errorCode'],
    ...(typeof e['errorNo'] === 'string' || typeof e['errorNo'] === 'number' ? { errorNo: e['errorNo'] } : {}),
    ...(typeof e['status'] === 'number' ? { status: e['status'] } : {}),
  };
}

/**
 * The class of a failed token request as msal-node reports it: a ServerError or InteractionRequiredAuthError
 * with Entra's OAuth error, MSAL's network_error (no answer), token_parsing_error (an answer that is not a
 * token response, e.g. a gateway's page), or a ServerError MSAL raises itself, without asking, while a
 * Retry-After Entra gave is running.
 */
export function classifyIdentityError(error: unknown): Failure {
  const e = msalShape(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (!e) return { kind: 'transient', code: 'identity_error', status: 0, source: 'identity', message: `Token request failed: ${detail}` };
  const status = e.status ?? 0;
  const aadsts = e.errorNo !== undefined && /^\d+$/.test(String(e.errorNo)) ? `AADSTS${String(e.errorNo)}` : undefined;
  const code = e.errorCode || 'identity_error';
  let kind: FailureClass;
  if (GRANT_REFUSALS.has(code) || NO_USABLE_GRANT.has(code)) kind = 'grant_lost';
  else if (status === 429) kind = 'throttled';
  else if (RETRY_LATER.has(code) || status >= 500) kind = 'transient';
  else kind = APP_REFUSALS[code] ?? 'transient';
  const reason = kind === 'grant_lost' && aadsts ? GRANT_LOSS_REASONS[aadsts] : undefined;
  const named = `${code}${aadsts ? ` ${aadsts}` : ''}${reason ? `: ${reason}` : ''}`;
  return { kind, code, status, source: 'identity', message: named, aadsts };
}

/**
 * The class of any failure a caller of Graph catches: a classified error (GraphRequestError, MailboxAuthError),
 * an msal-node error, or anything else (Relaydesk's own, e.g. the database), which is retried as transient.
 * `context` says what the failed request was, where that changes the class (a send whose answer was lost).
 */
export function classifyFailure(error: unknown, context: GraphFailureContext = {}): Failure {
  if (error instanceof ClassifiedError) {
    const kind = error.source === 'graph' ? graphErrorKind(error.status, error.code, context) : error.kind;
    return { kind, code: error.code, status: error.status, message: error.message, retryAfterMs: error.retryAfterMs, source: error.source, aadsts: error.aadsts };
  }
  if (msalShape(error)) return classifyIdentityError(error);
  return { kind: 'transient', code: 'internal_error', status: 0, source: 'internal', message: error instanceof Error ? error.message : String(error) };
}
