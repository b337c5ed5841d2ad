import { ApiError, TicketChangedError, createApiClient, type FetchLike, type FetchResponse } from '../../../addin/api/client';
import { DETAIL } from '../support/fixtures';

/** The ticket routes: ETag / If-None-Match reads, If-Match writes, 412 with the current ticket, downloads. */

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; blob?: Blob };

function fakeFetch(answer: (method: string, path: string) => Answer) {
  const calls: { method: string; url: string; headers: Record<string, string>; body?: string }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, ...init });
    const a = answer(init.method, new URL(url).pathname);
    const headers = new Map(Object.entries(a.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const response: FetchResponse = {
      status: a.status,
      headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
      // A 304 has no body: reading it fails, as a real Response's json() would.
      json: async () => (a.body === undefined ? Promise.reject(new SyntaxError('Unexpected end of JSON input')) : a.body),
      ...(a.blob ? { blob: async () => a.blob as Blob } : {}),
    };
    return response;
  };
  return { fetch, calls };
}

const token = async () => 'token-1';
const client = (answer: (method: string, path: string) => Answer) => {
  const f = fakeFetch(answer);
  return { api: createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch: f.fetch }), calls: f.calls };
};

it('reads a ticket with its ETag, and sends it back as If-None-Match to learn "not modified" from a 304', async () => {
  const { api, calls } = client((_m, _p) => (calls.length === 1 ? { status: 200, body: DETAIL, headers: { ETag: '"3"' } } : { status: 304 }));
  const first = await api.ticket(42);
  expect(first).toEqual({ ticket: DETAIL, etag: '"3"' });
  expect(calls[0]?.headers['If-None-Match']).toBeUndefined();
  await expect(api.ticket(42, '"3"')).resolves.toBe('not_modified');
  expect(calls[1]?.headers['If-None-Match']).toBe('"3"');
  expect(calls[1]?.headers['Authorization']).toBe('Bearer token-1');
});

it('falls back to the version for the ETag when the response has no headers (older fetch doubles)', async () => {
  const api = createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch: async () => ({ status: 200, json: async () => DETAIL }) });
  await expect(api.ticket(42)).resolves.toEqual({ ticket: DETAIL, etag: '"3"' });
});

it('guards every write with If-Match on the version, with the right verb, path and body', async () => {
  const { api, calls } = client(() => ({ status: 200, body: DETAIL }));
  await api.update(42, { status: 'pending' }, 3);
  await api.update(42, { assigneeId: null }, 4);
  await api.comment(42, { body: 'Hi', visibility: 'internal', status: 'solved' }, 5);
  await api.addCc(42, { email: 'kim@customer.test' }, 6);
  await api.removeCc(42, 2, 7);
  await api.follow(42, 9, 8);
  await api.unfollow(42, 9, 9);
  expect(calls.map((c) => [c.method, new URL(c.url).pathname, c.headers['If-Match'], c.body && JSON.parse(c.body)])).toEqual([
    ['PATCH', '/api/tickets/42', '"3"', { status: 'pending' }],
    ['PATCH', '/api/tickets/42', '"4"', { assigneeId: null }],
    ['POST', '/api/tickets/42/comments', '"5"', { body: 'Hi', visibility: 'internal', status: 'solved' }],
    ['POST', '/api/tickets/42/ccs', '"6"', { email: 'kim@customer.test' }],
    ['DELETE', '/api/tickets/42/ccs/2', '"7"', undefined],
    ['POST', '/api/tickets/42/followers', '"8"', { userId: 9 }],
    ['DELETE', '/api/tickets/42/followers/9', '"9"', undefined],
  ]);
});

it('turns a 412 into a TicketChangedError carrying the current ticket', async () => {
  const current = { ...DETAIL, version: 9, status: 'solved' };
  const { api } = client(() => ({ status: 412, body: { error: { code: 'ticket_changed', message: 'changed' }, ticket: current } }));
  const error = await api.update(42, { status: 'hold' }, 3).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TicketChangedError);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as TicketChangedError).code).toBe('ticket_changed');
  expect((error as TicketChangedError).ticket).toEqual(current);
});

it('keeps a 412 without a ticket a plain ApiError', async () => {
  const { api } = client(() => ({ status: 412, body: { error: { code: 'precondition_failed', message: 'x' } } }));
  const error = await api.update(42, { status: 'hold' }, 3).catch((e: unknown) => e);
  expect(error).not.toBeInstanceOf(TicketChangedError);
  expect((error as ApiError).code).toBe('precondition_failed');
});

it('builds queue queries, me and agents', async () => {
  const { api, calls } = client((_m, path) =>
    path === '/api/agents' ? { status: 200, body: { agents: [{ id: 9 }] } } : path === '/api/me' ? { status: 200, body: { id: 9 } } : { status: 200, body: { tickets: [], nextCursor: null } },
  );
  await api.tickets({ assignee: 'me', status: ['new', 'open'], cursor: 80, limit: 25 });
  await api.tickets({ q: ' printer ' });
  expect(await api.agents()).toEqual([{ id: 9 }]);
  expect(await api.me()).toEqual({ id: 9 });
  expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ assignee: 'me', status: 'new,open', cursor: '80', limit: '25' });
  expect(Object.fromEntries(new URL(calls[1]!.url).searchParams)).toEqual({ q: 'printer' });
});

it('posts a ticket from a message', async () => {
  const { api, calls } = client(() => ({ status: 201, body: { ticket: DETAIL, created: true, source: 'pane' } }));
  const request = { internetMessageId: '<a@x>', mailbox: 'me@contoso.test', replyMailbox: 'support@contoso.test', message: { subject: 'S', from: { email: 'p@x.test' }, bodyText: 'b' } };
  await expect(api.createFromMessage(request)).resolves.toMatchObject({ created: true });
  expect([calls[0]?.method, new URL(calls[0]!.url).pathname, JSON.parse(calls[0]!.body!)]).toEqual(['POST', '/api/tickets/from-message', request]);
});

it('downloads an attachment as a Blob with the token, and reports a JSON error by its code', async () => {
  const blob = new Blob(['%PDF']);
  const { api, calls } = client((_m, path) => (path.endsWith('/7') ? { status: 200, blob } : { status: 404, body: { error: { code: 'not_found', message: 'no' } } }));
  await expect(api.attachment(42, 7)).resolves.toBe(blob);
  expect(calls[0]?.headers['Authorization']).toBe('Bearer token-1');
  expect(new URL(calls[0]!.url).pathname).toBe('/api/tickets/42/attachments/7');
  await expect(api.attachment(42, 8)).rejects.toMatchObject({ status: 404, code: 'not_found' });
});
