import { GraphError as SdkGraphError } from '@microsoft/microsoft-graph-client';
import { ClassifiedError, graphErrorKind, isTokenFailureCode } from './failure-policy';
import type { FailureClass } from './failure-classes';

export { graphErrorKind };

/**
 * A failed Graph call, classified by the failure policy (failure-policy.ts) from Graph's status and error
 * code, never from message text. A request that never left because no token could be had carries a token
 * failure code (e.g. needs_reauth) and counts as an identity failure.
 */
export class GraphRequestError extends ClassifiedError {
  constructor(
    kind: FailureClass,
    /** Graph's own error code, e.g. ErrorItemNotFound, or `network` when no response came. */
    readonly graphCode: string,
    status: number,
    message: string,
    retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(kind, graphCode, status, isTokenFailureCode(graphCode) ? 'identity' : 'graph', message, retryAfterMs, options);
    this.name = 'GraphRequestError';
  }
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
