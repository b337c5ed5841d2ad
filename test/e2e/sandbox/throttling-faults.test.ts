import { BatchRequestContent, BatchResponseContent, type Client, type GraphError } from '@microsoft/microsoft-graph-client';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Exchange Online's throttling per app + mailbox (4 concurrent, a request budget per window, 429 with
 * Retry-After) and the control API's injected faults (429, 503, latency, connection resets).
 */

const MAILBOX = 'support@contoso.test';
const OTHER = 'billing@contoso.test';
const INBOX = `/users/${MAILBOX}/mailFolders/inbox`;

async function settle(p: Promise<unknown>): Promise<{ ok: true } | { ok: false; err: GraphError }> {
  return p.then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err: err as GraphError }),
  );
}

describe('concurrency and injected faults', () => {
  let t: TestSandbox;
  let token: string;
  let graph: Client;

  beforeAll(async () => {
    t = await startTestSandbox();
    await t.control.createMailbox(MAILBOX);
    token = await t.control.token({ roles: ['Mail.ReadWrite', 'Mail.Send'] });
    graph = t.graph(token, { retries: false });
  });
  afterEach(() => t.control.setFaults({}));
  afterAll(() => t.close());

  test('a 5th concurrent request to one mailbox gets 429 ApplicationThrottled with Retry-After', async () => {
    await t.control.call('POST', '/stats/reset');
    // Long enough for all five to be in flight together even when a busy machine is slow to open connections.
    await t.control.setFaults({ latencyMs: 2_000 });
    const results = await Promise.all(Array.from({ length: 5 }, () => settle(graph.api(INBOX).get())));
    const refused = results.filter((r): r is { ok: false; err: GraphError } => !r.ok);
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.err.statusCode).toBe(429);
    expect(refused[0]?.err.code).toBe('ApplicationThrottled');
    expect(refused[0]?.err.message).toContain('MailboxConcurrency');
    expect(Number(refused[0]?.err.headers?.get('retry-after'))).toBeGreaterThan(0);
    const stats = await t.control.stats(MAILBOX);
    expect(stats).toMatchObject({ requests: 5, throttledUnits: 4, throttled429: 1, maxInFlight: 4 });
  });

  test('counts requests that arrive before a Retry-After has elapsed, and not those that waited', async () => {
    await t.control.call('POST', '/stats/reset');
    await t.control.setFaults({ rate429: 1, retryAfterSeconds: 1 });
    expect((await settle(graph.api(INBOX).get())).ok).toBe(false);
    await t.control.setFaults({});
    await new Promise((r) => setTimeout(r, 600));
    await graph.api(INBOX).get();
    expect((await t.control.stats(MAILBOX)).earlyRequests).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    await graph.api(INBOX).get();
    expect((await t.control.stats(MAILBOX)).earlyRequests).toBe(1);
  });

  test('does not count a request as early against a Retry-After whose answer was cut off on the way', async () => {
    await t.control.call('POST', '/stats/reset');
    // The 429 is decided (and counted), then the connection is reset: the client never hears the Retry-After.
    await t.control.setFaults({ rate429: 1, resetRate: 1, retryAfterSeconds: 1 });
    expect((await settle(graph.api(INBOX).get())).ok).toBe(false);
    await t.control.setFaults({});
    await new Promise((r) => setTimeout(r, 600));
    await graph.api(INBOX).get();
    const stats = await t.control.stats(MAILBOX);
    expect(stats.throttled429).toBeGreaterThanOrEqual(1);
    expect(stats.earlyRequests).toBe(0);
  });

  test("the SDK's RetryHandler honours Retry-After and all five complete", async () => {
    await t.control.setFaults({ latencyMs: 200 });
    const retrying = t.graph(token);
    const results = await Promise.all(Array.from({ length: 5 }, () => settle(retrying.api(INBOX).get())));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  test('batch sub-requests are throttled one by one: with 4 requests in flight they get 429 inside a 200', async () => {
    // Latency for this mailbox's requests only: the $batch itself (not mailbox-scoped) goes through at once.
    await t.control.setFaults({ latencyMs: 900, mailbox: MAILBOX });
    const slow = Array.from({ length: 4 }, () => settle(graph.api(INBOX).get()));
    await new Promise((r) => setTimeout(r, 300));
    const content = new BatchRequestContent([
      { id: '1', request: new Request(`${t.sandbox.baseUrl}${INBOX}`) },
      { id: '2', request: new Request(`${t.sandbox.baseUrl}${INBOX}/messages`) },
    ]);
    const res = new BatchResponseContent((await graph.api('/$batch').post(await content.getContent())) as never);
    expect(res.getResponseById('1')?.status).toBe(429);
    expect(res.getResponseById('2')?.status).toBe(429);
    expect(res.getResponseById('1')?.headers.get('retry-after')).toBeTruthy();
    await Promise.all(slow);
  });

  test('injected latency delays a $batch as one round trip', async () => {
    await t.control.setFaults({ latencyMs: 400 });
    const content = new BatchRequestContent([{ id: '1', request: new Request(`${t.sandbox.baseUrl}${INBOX}`) }]);
    const started = Date.now();
    const res = new BatchResponseContent((await graph.api('/$batch').post(await content.getContent())) as never);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(res.getResponseById('1')?.status).toBe(200);
  });

  test('rate503 answers 503 ServiceUnavailable; rate429 answers 429 with the configured (fractional) Retry-After', async () => {
    await t.control.setFaults({ rate503: 1, retryAfterSeconds: 2 });
    const unavailable = await settle(graph.api(INBOX).get());
    expect(unavailable.ok).toBe(false);
    if (!unavailable.ok) expect(unavailable.err.statusCode).toBe(503);
    await t.control.setFaults({ rate429: 1, retryAfterSeconds: 0.5 });
    const throttled = await settle(graph.api(INBOX).get());
    expect(throttled.ok).toBe(false);
    if (!throttled.ok) {
      expect(throttled.err.statusCode).toBe(429);
      expect(throttled.err.headers?.get('retry-after')).toBe('0.5');
    }
  });

  test('latencyMs slows requests down', async () => {
    await t.control.setFaults({ latencyMs: 250 });
    const started = Date.now();
    await graph.api(INBOX).get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  test('a reset drops the connection after the request took effect', async () => {
    const delivered = await t.control.deliver(MAILBOX, 'From: a@example.com\r\nTo: support@contoso.test\r\nSubject: reset me\r\n\r\nhi\r\n');
    await t.control.setFaults({ resetRate: 1 });
    const result = await settle(graph.api(`/users/${MAILBOX}/messages/${delivered.id}`).patch({ isRead: true }));
    expect(result.ok).toBe(false);
    await t.control.setFaults({});
    const m = (await graph.api(`/users/${MAILBOX}/messages/${delivered.id}`).get()) as { isRead: boolean };
    expect(m.isRead).toBe(true);
  });

  test('faults are validated', async () => {
    expect((await t.control.call('PUT', '/faults', { rate429: 2 })).status).toBe(400);
    expect((await t.control.call('PUT', '/faults', { bogus: 1 })).status).toBe(400);
  });
});

describe('request budget per mailbox', () => {
  let t: TestSandbox;

  beforeAll(async () => {
    // Exchange's budget is 10,000 per 10 minutes; the same rule with a small number keeps the test fast.
    t = await startTestSandbox({ throttle: { maxRequests: 5, windowMs: 60_000 } });
    await t.control.createMailbox(MAILBOX);
    await t.control.createMailbox(OTHER);
  });
  afterAll(() => t.close());

  test('over the budget: 429 with Retry-After until the window has room; other mailboxes are unaffected', async () => {
    const graph = t.graph(await t.control.token({ roles: ['Mail.ReadWrite'] }), { retries: false });
    for (let i = 0; i < 5; i++) await graph.api(INBOX).get();
    const over = await settle(graph.api(INBOX).get());
    expect(over.ok).toBe(false);
    if (!over.ok) {
      expect(over.err.statusCode).toBe(429);
      expect(over.err.code).toBe('ApplicationThrottled');
      const retryAfter = Number(over.err.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(50);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    await expect(graph.api(`/users/${OTHER}/mailFolders/inbox`).get()).resolves.toHaveProperty('id');
    expect(await t.control.stats(MAILBOX)).toMatchObject({ requests: 6, throttledUnits: 5, throttled429: 1 });
  });
});
