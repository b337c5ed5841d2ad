import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { GovernedMiddleware, type RetryPolicy } from '../../../server/graph/governed-middleware';
import { MailboxGovernor } from '../../../server/graph/governor';
import { MailboxAuthError } from '../../../server/identity/mailbox-tokens';

// The governed middleware acts on the failure policy's classes: which failures it repeats, which it hands
// back, and what a request answers when no token could be had.

const RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 };

function governor(): MailboxGovernor {
  // A clock that moves only when the governor waits, so Retry-After pauses cost no real time.
  let clock = 0;
  return new MailboxGovernor({ now: () => clock, sleep: async (ms) => void (clock += ms) });
}

/** The next middleware: answers each request with the next status in `statuses` and counts what it sent. */
function graphAnswering(...statuses: number[]): Middleware & { sent: number; tokens: string[] } {
  const next = {
    sent: 0,
    tokens: [] as string[],
    async execute(context: Context): Promise<void> {
      const status = statuses[Math.min(next.sent, statuses.length - 1)] ?? 200;
      next.sent += 1;
      next.tokens.push(new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]).get('Authorization') ?? '');
      context.response = new Response(status === 204 ? null : JSON.stringify(status < 400 ? {} : { error: { code: `http_${status}` } }), { status, headers: status === 429 ? { 'Retry-After': '1' } : {} });
    },
  };
  return next;
}

function request(method: string, path = '/users/support%40contoso.test/messages'): Context {
  return { request: `https://graph.microsoft.com/v1.0${path}`, options: { method } } as Context;
}

async function run(middleware: GovernedMiddleware, next: Middleware, context: Context): Promise<Response> {
  middleware.setNext(next);
  await middleware.execute(context);
  return context.response!;
}

describe('what a request answers when no token could be had', () => {
  it.each([
    ['Entra out of service (503 temporarily_unavailable)', new ServerError('temporarily_unavailable', 'c', 'AADSTS90033: ...', undefined, '90033', 503), 'identity_unavailable'],
    ['Entra busy (400 temporarily_unavailable)', new ServerError('temporarily_unavailable', 'c', 'AADSTS50033: ...', undefined, '50033', 400), 'identity_unavailable'],
    ['a reset connection', new TypeError('fetch failed'), 'identity_unavailable'],
    ['a revoked grant, raw from MSAL', new InteractionRequiredAuthError('invalid_grant', 'c', 'AADSTS50173: ...', 'bad_token', '', '', '', '50173'), 'needs_reauth'],
    ['a revoked grant, as the token store reports it', new MailboxAuthError('needs_reauth', 'revoked', 'AADSTS50173'), 'needs_reauth'],
    ['an unlinked mailbox', new MailboxAuthError('mailbox_not_linked', 'no tokens'), 'mailbox_not_linked'],
    ['an app whose secret expired', new ServerError('invalid_client', 'c', 'AADSTS7000222: ...', undefined, '7000222', 401), 'identity_refused'],
  ])('%s: %s, and nothing is sent', async (_name, failure, code) => {
    const next = graphAnswering(200);
    const middleware = new GovernedMiddleware(governor(), () => Promise.reject(failure), RETRY);
    const response = await run(middleware, next, request('GET'));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(next.sent).toBe(0);
  });

  it('refreshes once after Graph refused the token, and answers the refresh failure without a third request', async () => {
    const forced: boolean[] = [];
    const next = graphAnswering(401, 200);
    const middleware = new GovernedMiddleware(
      governor(),
      (forceRefresh) => {
        forced.push(forceRefresh);
        return forceRefresh ? Promise.reject(new ServerError('temporarily_unavailable', 'c', 'AADSTS90033', undefined, '90033', 503)) : Promise.resolve('expired-token');
      },
      RETRY,
    );
    const response = await run(middleware, next, request('GET'));
    expect(forced).toEqual([false, true]);
    expect(next.sent).toBe(1);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('identity_unavailable');
  });
});

describe('which answers are repeated', () => {
  const token = () => Promise.resolve('token');

  it.each([500, 502, 503, 504])('a send answered %p may have gone out: handed back, never repeated', async (status) => {
    const next = graphAnswering(status, 202);
    const response = await run(new GovernedMiddleware(governor(), token, RETRY), next, request('POST', '/users/support%40contoso.test/sendMail'));
    expect(response.status).toBe(status);
    expect(next.sent).toBe(1);
  });

  it('a send answered 429 was not carried out: repeated after the wait', async () => {
    const next = graphAnswering(429, 202);
    const response = await run(new GovernedMiddleware(governor(), token, RETRY), next, request('POST', '/users/support%40contoso.test/sendMail'));
    expect(response.status).toBe(202);
    expect(next.sent).toBe(2);
  });

  it.each([500, 502, 503, 504, 429])('a read answered %p is repeated', async (status) => {
    const next = graphAnswering(status, 200);
    const response = await run(new GovernedMiddleware(governor(), token, RETRY), next, request('GET'));
    expect(response.status).toBe(200);
    expect(next.sent).toBe(2);
  });

  it('a $batch of PATCHes answered 500 is repeated (it can be)', async () => {
    const next = graphAnswering(500, 200);
    await run(new GovernedMiddleware(governor(), token, RETRY), next, request('POST', '/$batch'));
    expect(next.sent).toBe(2);
  });

  it.each([400, 403, 404])('a read answered %p is handed back at once', async (status) => {
    const next = graphAnswering(status, 200);
    const response = await run(new GovernedMiddleware(governor(), token, RETRY), next, request('GET'));
    expect(response.status).toBe(status);
    expect(next.sent).toBe(1);
  });
});
