import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { parseRetryAfter } from './errors';
import { classifyFailure, graphErrorKind, tokenFailureCode, type Failure } from './failure-policy';
import { EXCHANGE_CONCURRENCY, type MailboxGovernor } from './governor';

export interface RetryPolicy {
  /** Attempts after the first for 429 / 503 / 504, 5xx and network errors. */
  maxRetries: number;
  /** First backoff for errors without Retry-After; doubles per attempt, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * A request option: `beforeDispatch` runs each time the governor has admitted the request and it is about
 * to leave, never while it waits. The relay records a send attempt there, so that a crash leaves only the
 * emails that really went out to be settled against Sent Items. If it throws, the request is not sent.
 */
export class DispatchHook implements MiddlewareOptions {
  constructor(readonly beforeDispatch: () => Promise<void>) {}
}

/**
 * A request option: a 504 goes back to the caller at once, neither retried nor pausing the mailbox. For list
 * pages, whose 504 means the page was too large to assemble in time: the same page would time out again,
 * a smaller one will not (see AdaptivePageSize).
 */
export class GatewayTimeoutToCaller implements MiddlewareOptions {}

/** Supplies the bearer token; `forceRefresh` after Graph answered 401. */
export type TokenSource = (forceRefresh: boolean) => Promise<string>;

/**
 * The Graph SDK middleware that every request of one mailbox passes through: admission by the mailbox's
 * governor, the bearer token, Retry-After (which pauses the whole mailbox, not just this request), backoff
 * with jitter on 5xx and network errors (never for a send, whose outcome they leave unknown: see the failure
 * policy), and one token refresh on 401. Replaces the SDK's own retry handler,
 * which retries each request on its own and lets the others carry on into the throttle.
 */
export class GovernedMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly governor: MailboxGovernor,
    private readonly token: TokenSource,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly onRequest: (units: number) => void = () => undefined,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('GovernedMiddleware needs a next middleware');
    const units = batchUnits(context);
    const idempotent = isIdempotent(context);
    const hook = context.middlewareControl?.getMiddlewareOptions(DispatchHook) as DispatchHook | undefined;
    const gatewayTimeoutToCaller = context.middlewareControl?.getMiddlewareOptions(GatewayTimeoutToCaller) !== undefined;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      // A token that cannot be had is answered at once, as the failure policy classifies it: a lost grant
      // (needs_reauth) and an Entra outage (identity_unavailable, retried by the caller later) differ.
      // (Thrown, it would reach callers as a codeless SDK error, indistinguishable from a lost connection.)
      let token: string;
      try {
        token = await this.token(refreshed);
      } catch (error) {
        context.response = tokenFailureResponse(classifyFailure(error));
        return;
      }
      const release = await this.governor.acquire(units, units > 1 ? EXCHANGE_CONCURRENCY : 1, bodyBytes(context));
      if (hook) {
        try {
          await hook.beforeDispatch();
        } catch (error) {
          release();
          throw error;
        }
      }
      try {
        const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
        headers.set('Authorization', `Bearer ${token}`);
        context.options = { ...context.options, headers };
        this.onRequest(units);
        await this.next.execute(context);
      } catch (error) {
        release();
        // A POST that failed in flight may have been carried out (outcome unknown): only its caller can decide to resend.
        if (graphErrorKind(0, 'network', { mayHaveTakenEffect: !idempotent }) !== 'transient' || attempt >= this.retry.maxRetries) throw error;
        await sleep(this.backoff(attempt));
        continue;
      }
      release();
      const response = context.response;
      if (!response) return;
      const status = response.status;
      if (status === 504 && gatewayTimeoutToCaller) return;
      if (status < 400) return;
      // A send answered 5xx may have gone out (outcome unknown): it is never repeated here, only by its caller
      // after settling. Only a 429 proves a request was not carried out.
      const kind = graphErrorKind(status, '', { mayHaveTakenEffect: !idempotent });
      if (status === 429 || status === 503 || status === 504) {
        // Graph's overload answers hold the whole mailbox for their Retry-After, repeated or not.
        this.governor.pauseFor(parseRetryAfter(response.headers.get('Retry-After')) ?? this.backoff(attempt));
      }
      if (kind === 'throttled') {
        if (attempt >= this.retry.maxRetries) return;
        await drain(response);
        continue;
      }
      if (kind === 'transient' && attempt < this.retry.maxRetries) {
        await drain(response);
        await sleep(this.backoff(attempt));
        continue;
      }
      if (status === 401 && !refreshed) {
        refreshed = true;
        await drain(response);
        continue;
      }
      return;
    }
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(Math.random() * cap);
  }
}

/** A Graph-shaped 401 whose code (a token failure code) tells the caller how to act on the identity failure. */
function tokenFailureResponse(failure: Failure): Response {
  return new Response(JSON.stringify({ error: { code: tokenFailureCode(failure.kind), message: failure.message } }), { status: 401, headers: { 'Content-Type': 'application/json' } });
}

/** GET, PUT, PATCH and DELETE can be repeated safely; so can $batch, which Relaydesk uses only for PATCH. */
function isIdempotent(context: Context): boolean {
  const method = (context.options?.method ?? 'GET').toUpperCase();
  if (method !== 'POST') return true;
  const url = typeof context.request === 'string' ? context.request : context.request.url;
  return /\/\$batch(\?|$)/.test(url);
}

/** What the request body weighs against Exchange's IncomingBytes budget (150 MB per 5 minutes). */
function bodyBytes(context: Context): number {
  const body = context.options?.body;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  return 0;
}

/** A $batch counts once per sub-request against Exchange's budget. */
function batchUnits(context: Context): number {
  const url = typeof context.request === 'string' ? context.request : context.request.url;
  if (!/\/\$batch(\?|$)/.test(url)) return 1;
  const body = context.options?.body;
  if (typeof body !== 'string') return 1;
  try {
    const parsed = JSON.parse(body) as { requests?: unknown[] };
    return Math.max(1, parsed.requests?.length ?? 1);
  } catch {
    return 1;
  }
}

async function drain(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch {
    // The body is only read to free the connection.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
