import { GraphError as SdkGraphError } from '@microsoft/microsoft-graph-client';

/**
 * What a failed Graph call means for Relaydesk, decided from Graph's status and error code, never from
 * message text. One policy (graphErrorKind) serves every caller.
 */
export type GraphErrorKind =
  /** 429 / 503 / 504: wait (Retry-After when given) and try again. */
  | 'throttled'
  /** Other 5xx or a network failure: retry with backoff. */
  | 'transient'
  /** The token was refused: refresh once, then the mailbox needs re-authorization. */
  | 'unauthorized'
  /** Consent or mailbox permissions are missing. */
  | 'access_denied'
  /** The mailbox exists but Graph cannot serve it (on-premises Exchange, inactive, soft-deleted). */
  | 'mailbox_unavailable'
  | 'not_found'
  /** The request itself is wrong; repeating it will not help. */
  | 'permanent';

export class GraphRequestError extends Error {
  constructor(
    readonly kind: GraphErrorKind,
    /** Graph's own error code, e.g. ErrorItemNotFound, or `network` when no response came. */
    readonly graphCode: string,
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GraphRequestError';
  }
}

export function graphErrorKind(status: number, code: string): GraphErrorKind {
  if (code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotSupportedForRESTAPI' || code === 'ErrorMailboxNotEnabledForRESTAPI') {
    return 'mailbox_unavailable';
  }
  if (status === 429 || status === 503 || status === 504) return 'throttled';
  if (status === 0 || status >= 500) return 'transient';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'access_denied';
  if (status === 404) return code === 'ErrorInvalidUser' ? 'mailbox_unavailable' : 'not_found';
  return 'permanent';
}

/** Retry-After as seconds (possibly fractional) or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*[-+]?[\d.]/.test(value)) {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Turns whatever the Graph SDK threw into a GraphRequestError. */
export function toGraphRequestError(error: unknown): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  if (error instanceof SdkGraphError) {
    const status = error.statusCode === -1 ? 0 : error.statusCode;
    const code = error.code ?? (status === 0 ? 'network' : `http_${status}`);
    const retryAfter = parseRetryAfter(error.headers?.get('Retry-After'));
    return new GraphRequestError(graphErrorKind(status, code), code, status, error.message, retryAfter, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GraphRequestError('transient', 'network', 0, message, undefined, { cause: error });
}
