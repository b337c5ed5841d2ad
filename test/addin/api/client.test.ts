import { ApiError, createApiClient, type FetchLike } from '../../../addin/api/client';

/** A fetch double answering from a table of `METHOD path` -> [status, body], recording every request. */
function fakeFetch(answers: Record<string, [number, unknown] | Error>) {
  const calls: { method: string; url: string; headers: Record<string, string>; body?: string }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, ...init });
    const answer = answers[`${init.method} ${new URL(url).pathname}`];
    if (!answer) return { status: 404, json: async () => ({ error: { code: 'route_not_found', message: 'no' } }) };
    if (answer instanceof Error) throw answer;
    return { status: answer[0], json: async () => (answer[1] === undefined ? Promise.reject(new SyntaxError('no json')) : answer[1]) };
  };
  return { fetch, calls };
}

const token = jest.fn(async () => 'token-1');

it('sends the bearer token and the lookup query, and returns the server JSON', async () => {
  const { fetch, calls } = fakeFetch({ 'GET /api/lookup': [200, { ticket: null, reason: 'unknown_message', detail: null }] });
  const api = createApiClient({ baseUrl: 'https://relaydesk.test/', token, fetch });
  await expect(api.lookup({ internetMessageId: '<a+b@x.test>', mailbox: 'support@contoso.test', receivedAt: '2025-01-01T00:00:00.000Z' })).resolves.toEqual({ ticket: null, reason: 'unknown_message', detail: null });
  const url = new URL(calls[0]?.url ?? '');
  expect(url.origin).toBe('https://relaydesk.test');
  expect(Object.fromEntries(url.searchParams)).toEqual({ internetMessageId: '<a+b@x.test>', mailbox: 'support@contoso.test', receivedAt: '2025-01-01T00:00:00.000Z' });
  expect(calls[0]?.headers['Authorization']).toBe('Bearer token-1');
});

it('asks for the public auth config without a token', async () => {
  const { fetch, calls } = fakeFetch({ 'GET /api/auth/config': [200, { authority: 'https://id.test/t/', clientId: 'c', apiScope: 'api://c/access_as_user', audience: 'c' }] });
  await createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch }).authConfig();
  expect(calls[0]?.headers['Authorization']).toBeUndefined();
});

it('posts JSON bodies and uses the right verbs for mailbox actions', async () => {
  const row = { id: 7, address: 'support@contoso.test', state: 'paused' };
  const { fetch, calls } = fakeFetch({
    'POST /api/mailboxes': [201, { id: 7, address: 'support@contoso.test', state: 'pending', authorizeUrl: 'https://id.test/authorize' }],
    'POST /api/mailboxes/7/pause': [200, row],
    'DELETE /api/mailboxes/7': [200, { ...row, state: 'unlinked' }],
  });
  const api = createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch });
  expect((await api.linkMailbox('support@contoso.test', { mode: 'delegated' })).authorizeUrl).toBe('https://id.test/authorize');
  expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ address: 'support@contoso.test', firstSync: 'ask', mode: 'delegated' });
  expect(calls[0]?.headers['Content-Type']).toBe('application/json');
  await api.pause(7);
  await api.unlink(7);
  expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual(['POST /api/mailboxes', 'POST /api/mailboxes/7/pause', 'DELETE /api/mailboxes/7']);
});

describe('application-mode linking', () => {
  it('sends the mode and the out-of-scope address, and reads the linked mailbox from the answer', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /api/mailboxes': [201, { id: 8, address: 'help@contoso.test', state: 'active', authorizeUrl: null, mailbox: { id: 8 } }] });
    const api = createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch });
    const started = await api.linkMailbox('help@contoso.test', { mode: 'application', outOfScopeAddress: 'ceo@contoso.test' });
    expect(started.authorizeUrl).toBeNull();
    expect(started.mailbox).toEqual({ id: 8 });
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ address: 'help@contoso.test', firstSync: 'ask', mode: 'application', outOfScopeAddress: 'ceo@contoso.test' });
  });

  it("keeps the error's details: app_not_scoped names the mailbox the app could read", async () => {
    const { fetch } = fakeFetch({ 'POST /api/mailboxes': [422, { error: { code: 'app_not_scoped', message: 'tenant-wide', details: { probe: 'ceo@contoso.test' } } }] });
    const error = await createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch }).linkMailbox('help@contoso.test', { mode: 'application' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, code: 'app_not_scoped', details: { probe: 'ceo@contoso.test' } });
  });

  it('re-checks with the options as the body, and without a body for a delegated re-authorize', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /api/mailboxes/8/reauthorize': [200, { authorizeUrl: null, mailbox: { id: 8 } }] });
    const api = createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch });
    expect(await api.reauthorize(8, { acceptTenantWide: true })).toEqual({ authorizeUrl: null, mailbox: { id: 8 } });
    await api.reauthorize(8);
    expect(calls.map((c) => c.body)).toEqual([JSON.stringify({ acceptTenantWide: true }), undefined]);
  });

  it('asks for the setup script with one address parameter per mailbox', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/mailboxes/app-only-setup': [200, { appId: 'a', groupName: 'g', script: 's', testScript: 't' }] });
    await createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch }).appOnlySetup(['a@contoso.test', "o'b@contoso.test"]);
    expect(new URL(calls[0]?.url ?? '').searchParams.getAll('address')).toEqual(['a@contoso.test', "o'b@contoso.test"]);
  });
});

it.each([
  ['the server error code', [409, { error: { code: 'already_linked', message: 'linked' } }], 409, 'already_linked'],
  ['http_<status> for an error without a body code', [502, { oops: true }], 502, 'http_502'],
  ['bad_response for a non-JSON answer', [500, undefined], 500, 'bad_response'],
] as const)('fails with %s', async (_what, answer, status, code) => {
  const { fetch } = fakeFetch({ 'GET /api/mailboxes': answer as [number, unknown] });
  const error = await createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch }).mailboxes().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status, code });
});

it('fails with network_error (status 0) when the server cannot be reached', async () => {
  const { fetch } = fakeFetch({ 'GET /api/mailboxes': new TypeError('Failed to fetch') });
  await expect(createApiClient({ baseUrl: 'https://relaydesk.test', token, fetch }).mailboxes()).rejects.toMatchObject({ status: 0, code: 'network_error' });
});

it('passes the token error through untouched, without calling the server', async () => {
  const { fetch, calls } = fakeFetch({});
  const noToken = Object.assign(new Error('sign in'), { code: 'sign_in_required' });
  await expect(createApiClient({ baseUrl: 'https://relaydesk.test', token: () => Promise.reject(noToken), fetch }).mailboxes()).rejects.toBe(noToken);
  expect(calls).toHaveLength(0);
});
