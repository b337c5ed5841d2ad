import type {
  Agent,
  AppOnlySetup,
  AuthConfig,
  CommentInput,
  FromMessageRequest,
  FromMessageResult,
  LinkOptions,
  LinkStarted,
  LookupQuery,
  LookupResult,
  MailboxLanguage,
  LinkedMailbox,
  MailboxView,
  AfterIngestAction,
  FirstSyncChoice,
  FirstSyncPreview,
  ReauthorizeResult,
  TicketDetail,
  TicketPage,
  TicketPatch,
  TicketQuery,
} from './types';

/**
 * Typed client for the Relaydesk REST API. Every call but `authConfig` carries the user's bearer token; every
 * failure becomes an ApiError with the server's error code (or a client-side one: network_error, bad_response),
 * so callers branch on codes, never on message text. No DOM types: `fetch` is injected.
 *
 * Ticket writes take the version the pane shows and send it as `If-Match`; a 412 becomes a TicketChangedError
 * carrying the ticket as it is now, so the pane can adopt it without another round trip.
 */

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The part of a fetch Response the client needs. `headers` and `blob` are optional so older doubles still fit. */
export interface FetchResponse {
  status: number;
  headers?: { get(name: string): string | null };
  json(): Promise<unknown>;
  blob?(): Promise<Blob>;
}

/** The part of `fetch` the client needs (the browser's, or a test double). */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error's `details`, when the server sent some (422 app_not_scoped: `{ probe }`). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 412 `ticket_changed`: someone changed the ticket since the version the pane sent; `ticket` is the current one. */
export class TicketChangedError extends ApiError {
  constructor(
    message: string,
    readonly ticket: TicketDetail,
  ) {
    super(412, 'ticket_changed', message);
    this.name = 'TicketChangedError';
  }
}

/** A ticket read: the ticket and its ETag (the quoted version), for the next If-None-Match. */
export interface TicketRead {
  ticket: TicketDetail;
  etag: string | null;
}

/** What the comment route adds to the ticket: who the comment was not emailed to, and why. */
export type CommentResult = TicketDetail & { warnings?: { email: string; code: string }[] };

export interface ApiClient {
  authConfig(): Promise<AuthConfig>;
  lookup(query: LookupQuery): Promise<LookupResult>;
  mailboxes(): Promise<MailboxView[]>;
  linkedMailboxes(): Promise<LinkedMailbox[]>;
  /** Application mode links at once (authorizeUrl null, the mailbox in the answer) or fails with its code. */
  linkMailbox(address: string, options: LinkOptions): Promise<LinkStarted>;
  /** Application mode re-runs the checks at once (authorizeUrl null); `options` applies to it only. */
  reauthorize(id: number, options?: Omit<Extract<LinkOptions, { mode: 'application' }>, 'mode'>): Promise<ReauthorizeResult>;
  /** The PowerShell that scopes the app to these mailboxes (RBAC for Applications). */
  appOnlySetup(addresses: readonly string[]): Promise<AppOnlySetup>;
  pause(id: number): Promise<MailboxView>;
  resume(id: number): Promise<MailboxView>;
  unlink(id: number): Promise<MailboxView>;
  setMailboxLanguage(id: number, language: MailboxLanguage): Promise<MailboxView>;
  /** 400 folder_not_found when `move` names no folder of the mailbox. */
  setAfterIngest(id: number, afterIngest: { action: AfterIngestAction; folder?: string }): Promise<MailboxView>;
  firstSyncPreview(id: number): Promise<FirstSyncPreview>;
  chooseFirstSync(id: number, choice: FirstSyncChoice): Promise<MailboxView>;
  me(): Promise<Agent>;
  agents(): Promise<Agent[]>;
  /** 'not_modified' when `etag` is still current (304). */
  ticket(id: number, etag?: string | null): Promise<TicketRead | 'not_modified'>;
  tickets(query: TicketQuery): Promise<TicketPage>;
  update(id: number, patch: TicketPatch, version: number): Promise<TicketDetail>;
  comment(id: number, input: CommentInput, version: number): Promise<CommentResult>;
  addCc(id: number, cc: { email: string; name?: string }, version: number): Promise<TicketDetail>;
  removeCc(id: number, userId: number, version: number): Promise<TicketDetail>;
  follow(id: number, userId: number, version: number): Promise<TicketDetail>;
  unfollow(id: number, userId: number, version: number): Promise<TicketDetail>;
  createFromMessage(request: FromMessageRequest): Promise<FromMessageResult>;
  attachment(ticketId: number, attachmentId: number): Promise<Blob>;
}

export interface ApiClientOptions {
  /** The server's origin, e.g. https://relaydesk.contoso.com (the pane's own). */
  baseUrl: string;
  /** An access token for the Relaydesk API; rejects when the user must sign in. */
  token(): Promise<string>;
  fetch: FetchLike;
}

interface CallOptions {
  auth?: boolean;
  body?: unknown;
  headers?: Record<string, string>;
  accept?: string;
}

/** The ETag for a version, as the server writes it: a strong, quoted integer. */
export const etagOf = (version: number): string => `"${version}"`;

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function send(method: string, path: string, { auth = true, body, headers: extra, accept = 'application/json' }: CallOptions): Promise<FetchResponse> {
    const headers: Record<string, string> = { Accept: accept, ...extra };
    if (auth) headers['Authorization'] = `Bearer ${await options.token()}`;
    const init: FetchInit = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      return await options.fetch(`${base}${path}`, init);
    } catch (error) {
      throw new ApiError(0, 'network_error', `Relaydesk could not be reached (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  async function payloadOf(response: FetchResponse): Promise<unknown> {
    try {
      return await response.json();
    } catch {
      throw new ApiError(response.status, 'bad_response', `Relaydesk answered ${response.status} without JSON`);
    }
  }

  /** A non-2xx answer as an error: the server's code, and for 412 the current ticket. */
  function errorOf(status: number, payload: unknown): ApiError {
    const body = payload as { error?: { code?: unknown; message?: unknown; details?: unknown }; ticket?: unknown } | null;
    const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${status}`;
    const message = typeof body?.error?.message === 'string' ? body.error.message : `Relaydesk answered ${status}`;
    if (status === 412 && body?.ticket && typeof body.ticket === 'object') return new TicketChangedError(message, body.ticket as TicketDetail);
    return new ApiError(status, code, message, body?.error?.details);
  }

  async function call<T>(method: string, path: string, callOptions: CallOptions = {}): Promise<T> {
    const response = await send(method, path, callOptions);
    const payload = await payloadOf(response);
    if (response.status >= 200 && response.status < 300) return payload as T;
    throw errorOf(response.status, payload);
  }

  const ifMatch = (version: number) => ({ 'If-Match': etagOf(version) });

  const lookupQuery = (q: LookupQuery): string => {
    const params = new URLSearchParams({ internetMessageId: q.internetMessageId });
    if (q.mailbox) params.set('mailbox', q.mailbox);
    if (q.receivedAt) params.set('receivedAt', q.receivedAt);
    return params.toString();
  };

  const listQuery = (q: TicketQuery): string => {
    const params = new URLSearchParams();
    if (q.assignee !== undefined) params.set('assignee', String(q.assignee));
    if (q.status?.length) params.set('status', q.status.join(','));
    if (q.q?.trim()) params.set('q', q.q.trim());
    if (q.cursor !== undefined) params.set('cursor', String(q.cursor));
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    return params.toString();
  };

  return {
    authConfig: () => call<AuthConfig>('GET', '/api/auth/config', { auth: false }),
    lookup: (q) => call<LookupResult>('GET', `/api/lookup?${lookupQuery(q)}`),
    mailboxes: () => call<MailboxView[]>('GET', '/api/mailboxes'),
    linkedMailboxes: async () => (await call<{ mailboxes: LinkedMailbox[] }>('GET', '/api/linked-mailboxes')).mailboxes,
    // 'ask': the new mailbox waits for the admin's first-sync choice (the pane shows it) before anything is synced.
    linkMailbox: (address, options) => call<LinkStarted>('POST', '/api/mailboxes', { body: { address, firstSync: 'ask', ...options } }),
    reauthorize: (id, options) => call<ReauthorizeResult>('POST', `/api/mailboxes/${id}/reauthorize`, options ? { body: options } : {}),
    appOnlySetup: (addresses) => {
      const params = new URLSearchParams();
      for (const address of addresses) params.append('address', address);
      return call<AppOnlySetup>('GET', `/api/mailboxes/app-only-setup?${params.toString()}`);
    },
    pause: (id) => call<MailboxView>('POST', `/api/mailboxes/${id}/pause`),
    resume: (id) => call<MailboxView>('POST', `/api/mailboxes/${id}/resume`),
    unlink: (id) => call<MailboxView>('DELETE', `/api/mailboxes/${id}`),
    setMailboxLanguage: (id, language) => call<MailboxView>('PATCH', `/api/mailboxes/${id}`, { body: { language } }),
    setAfterIngest: (id, afterIngest) => call<MailboxView>('PATCH', `/api/mailboxes/${id}`, { body: { afterIngest } }),
    firstSyncPreview: (id) => call<FirstSyncPreview>('GET', `/api/mailboxes/${id}/first-sync`),
    chooseFirstSync: (id, choice) => call<MailboxView>('POST', `/api/mailboxes/${id}/first-sync`, { body: choice }),
    me: () => call<Agent>('GET', '/api/me'),
    agents: async () => (await call<{ agents: Agent[] }>('GET', '/api/agents')).agents,
    async ticket(id, etag) {
      const response = await send('GET', `/api/tickets/${id}`, etag ? { headers: { 'If-None-Match': etag } } : {});
      // 304 has no body: reading one would fail.
      if (response.status === 304) return 'not_modified';
      const payload = await payloadOf(response);
      if (response.status < 200 || response.status >= 300) throw errorOf(response.status, payload);
      const ticket = payload as TicketDetail;
      return { ticket, etag: response.headers?.get('ETag') ?? etagOf(ticket.version) };
    },
    tickets: (q) => {
      const query = listQuery(q);
      return call<TicketPage>('GET', `/api/tickets${query ? `?${query}` : ''}`);
    },
    update: (id, patch, version) => call<TicketDetail>('PATCH', `/api/tickets/${id}`, { body: patch, headers: ifMatch(version) }),
    comment: (id, input, version) => call<CommentResult>('POST', `/api/tickets/${id}/comments`, { body: input, headers: ifMatch(version) }),
    addCc: (id, cc, version) => call<TicketDetail>('POST', `/api/tickets/${id}/ccs`, { body: cc, headers: ifMatch(version) }),
    removeCc: (id, userId, version) => call<TicketDetail>('DELETE', `/api/tickets/${id}/ccs/${userId}`, { headers: ifMatch(version) }),
    follow: (id, userId, version) => call<TicketDetail>('POST', `/api/tickets/${id}/followers`, { body: { userId }, headers: ifMatch(version) }),
    unfollow: (id, userId, version) => call<TicketDetail>('DELETE', `/api/tickets/${id}/followers/${userId}`, { headers: ifMatch(version) }),
    createFromMessage: (request) => call<FromMessageResult>('POST', '/api/tickets/from-message', { body: request }),
    async attachment(ticketId, attachmentId) {
      const response = await send('GET', `/api/tickets/${ticketId}/attachments/${attachmentId}`, { accept: '*/*' });
      if (response.status < 200 || response.status >= 300) {
        // Errors are JSON like every other route's; a body that is not gives the status code.
        const payload = await response.json().catch(() => null);
        throw errorOf(response.status, payload);
      }
      if (!response.blob) throw new ApiError(response.status, 'bad_response', 'The download answered without a body');
      return response.blob();
    },
  };
}
