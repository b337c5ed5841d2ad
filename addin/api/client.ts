import type { AuthConfig, LinkStarted, LookupQuery, LookupResult, MailboxView } from './types';

/**
 * Typed client for the Relaydesk REST API. Every call but `authConfig` carries the user's bearer token; every
 * failure becomes an ApiError with the server's error code (or a client-side one: network_error, bad_response),
 * so callers branch on codes, never on message text. No DOM types: `fetch` is injected.
 */

/** The part of `fetch` the client needs (the browser's, or a test double). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  authConfig(): Promise<AuthConfig>;
  lookup(query: LookupQuery): Promise<LookupResult>;
  mailboxes(): Promise<MailboxView[]>;
  linkMailbox(address: string): Promise<LinkStarted>;
  reauthorize(id: number): Promise<{ authorizeUrl: string }>;
  pause(id: number): Promise<MailboxView>;
  resume(id: number): Promise<MailboxView>;
  unlink(id: number): Promise<MailboxView>;
}

export interface ApiClientOptions {
  /** The server's origin, e.g. https://relaydesk.contoso.com (the pane's own). */
  baseUrl: string;
  /** An access token for the Relaydesk API; rejects when the user must sign in. */
  token(): Promise<string>;
  fetch: FetchLike;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, { auth = true, body }: { auth?: boolean; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (auth) headers['Authorization'] = `Bearer ${await options.token()}`;
    const init: { method: string; headers: Record<string, string>; body?: string } = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await options.fetch(`${base}${path}`, init);
    } catch (error) {
      throw new ApiError(0, 'network_error', `Relaydesk could not be reached (${error instanceof Error ? error.message : String(error)})`);
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      throw new ApiError(response.status, 'bad_response', `Relaydesk answered ${response.status} without JSON`);
    }
    if (response.status >= 200 && response.status < 300) return payload as T;
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
    const message = typeof error?.message === 'string' ? error.message : `Relaydesk answered ${response.status}`;
    throw new ApiError(response.status, code, message);
  }

  const query = (q: LookupQuery): string => {
    const params = new URLSearchParams({ internetMessageId: q.internetMessageId });
    if (q.mailbox) params.set('mailbox', q.mailbox);
    if (q.receivedAt) params.set('receivedAt', q.receivedAt);
    return params.toString();
  };

  return {
    authConfig: () => call<AuthConfig>('GET', '/api/auth/config', { auth: false }),
    lookup: (q) => call<LookupResult>('GET', `/api/lookup?${query(q)}`),
    mailboxes: () => call<MailboxView[]>('GET', '/api/mailboxes'),
    linkMailbox: (address) => call<LinkStarted>('POST', '/api/mailboxes', { body: { address } }),
    reauthorize: (id) => call<{ authorizeUrl: string }>('POST', `/api/mailboxes/${id}/reauthorize`),
    pause: (id) => call<MailboxView>('POST', `/api/mailboxes/${id}/pause`),
    resume: (id) => call<MailboxView>('POST', `/api/mailboxes/${id}/resume`),
    unlink: (id) => call<MailboxView>('DELETE', `/api/mailboxes/${id}`),
  };
}
