import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import MailComposer from 'nodemailer/lib/mail-composer';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Exchange Online behaviours the sandbox copies because they hide bugs when absent: the 4-concurrent limit
 * counted per app across mailboxes (one reading of Microsoft's wording), the gateway's 504 on a list page too
 * large to assemble, server errors that come after the request took effect, `$expand=attachments` without
 * the content of attachments over 4 MB, and mailboxes whose SMTP address is not their owner's sign-in name.
 */

const A = 'alpha@contoso.test';
const B = 'beta@contoso.test';
const inbox = (address: string) => `/users/${address}/mailFolders/inbox`;

async function outcome(p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; err: GraphError }> {
  return p.then(
    (value: unknown) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err: err as GraphError }),
  );
}

function mime(input: { to: string; subject: string; text?: string; attachments?: { filename: string; content: Buffer }[] }): Promise<Buffer> {
  return new MailComposer({ from: 'customer@fabrikam.example', ...input }).compile().build();
}

async function withSandbox<T>(options: Parameters<typeof startTestSandbox>[0], run: (t: TestSandbox, graph: Client) => Promise<T>): Promise<T> {
  const t = await startTestSandbox(options);
  try {
    await t.control.createMailbox(A);
    await t.control.createMailbox(B);
    return await run(t, t.graph(await t.control.token({ roles: ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All'] }), { retries: false }));
  } finally {
    await t.close();
  }
}

/** Four slow requests to A and one to B, all at once: which of them were refused. */
async function fourAndOne(t: TestSandbox, graph: Client): Promise<{ refusedA: number; refusedB: GraphError | undefined }> {
  await t.control.setFaults({ latencyMs: 400 });
  const toA = Array.from({ length: 4 }, () => outcome(graph.api(inbox(A)).get()));
  await new Promise((r) => setTimeout(r, 100));
  const toB = await outcome(graph.api(inbox(B)).get());
  const results = await Promise.all(toA);
  return { refusedA: results.filter((r) => !r.ok).length, refusedB: toB.ok ? undefined : toB.err };
}

describe('concurrency scope', () => {
  const saved = process.env['SANDBOX_CONCURRENCY_SCOPE'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SANDBOX_CONCURRENCY_SCOPE'];
    else process.env['SANDBOX_CONCURRENCY_SCOPE'] = saved;
  });

  test('per app and mailbox by default: four in flight to one mailbox leave another free', async () => {
    delete process.env['SANDBOX_CONCURRENCY_SCOPE'];
    const { refusedA, refusedB } = await withSandbox({}, fourAndOne);
    expect(refusedA).toBe(0);
    expect(refusedB).toBeUndefined();
  });

  test("per app: a fifth request to another mailbox is refused 429 MailboxConcurrency, like Microsoft's current wording", async () => {
    const { refusedA, refusedB } = await withSandbox({ concurrencyScope: 'app' }, fourAndOne);
    expect(refusedA).toBe(0);
    expect(refusedB?.statusCode).toBe(429);
    expect(refusedB?.code).toBe('ApplicationThrottled');
    expect(Number(refusedB?.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  test('SANDBOX_CONCURRENCY_SCOPE=app turns it on for every way of starting the sandbox; a value it does not know stops the start', async () => {
    process.env['SANDBOX_CONCURRENCY_SCOPE'] = 'app';
    const { refusedB } = await withSandbox({}, fourAndOne);
    expect(refusedB?.statusCode).toBe(429);
    process.env['SANDBOX_CONCURRENCY_SCOPE'] = 'tenant';
    await expect(startTestSandbox()).rejects.toThrow(RangeError);
  });
});

describe('gateway timeouts and server errors', () => {
  let t: TestSandbox;
  let graph: Client;

  beforeAll(async () => {
    t = await startTestSandbox();
    await t.control.createMailbox(A);
    graph = t.graph(await t.control.token({ roles: ['Mail.ReadWrite', 'Mail.Send'] }), { retries: false });
    // Four messages of about 1 MB of text each: a page of all four is past 3 MB, a page of two is not.
    for (let i = 0; i < 4; i++) await t.control.deliver(A, await mime({ to: A, subject: `long ${i}`, text: `${'lorem ipsum dolor '.repeat(58_000)}${i}` }));
  });
  afterEach(() => t.control.setFaults({}));
  afterAll(() => t.close());

  test('a message list page whose JSON passes 3 MB answers 504 UnknownError; a smaller page of the same messages does not', async () => {
    await t.control.call('POST', '/stats/reset');
    const large = await outcome(graph.api(`${inbox(A)}/messages`).top(4).select(['id', 'body']).get());
    expect(large.ok).toBe(false);
    if (!large.ok) {
      expect(large.err.statusCode).toBe(504);
      expect(large.err.code).toBe('UnknownError');
    }
    const small = await graph.api(`${inbox(A)}/messages`).top(2).select(['id', 'body']).get();
    expect((small as { value: unknown[] }).value).toHaveLength(2);
    // Without the bodies the same four are small.
    expect(((await graph.api(`${inbox(A)}/messages`).top(4).select(['id', 'subject']).get()) as { value: unknown[] }).value).toHaveLength(4);
    expect(await t.control.stats(A)).toMatchObject({ gatewayTimeouts: 1 });
  });

  test('the rule is switched off with gatewayTimeoutPageBytes: false, and refuses a threshold that would break it', async () => {
    const off = await startTestSandbox({ gatewayTimeoutPageBytes: false });
    try {
      await off.control.createMailbox(A);
      for (let i = 0; i < 4; i++) await off.control.deliver(A, await mime({ to: A, subject: `long ${i}`, text: 'lorem ipsum dolor '.repeat(58_000) }));
      const offGraph = off.graph(await off.control.token({ roles: ['Mail.ReadWrite'] }), { retries: false });
      expect(((await offGraph.api(`${inbox(A)}/messages`).top(4).select(['id', 'body']).get()) as { value: unknown[] }).value).toHaveLength(4);
    } finally {
      await off.close();
    }
    await expect(startTestSandbox({ gatewayTimeoutPageBytes: 0 })).rejects.toThrow(RangeError);
  });

  test.each([
    [{ rate500: 1 }, 500, 'InternalServerError'],
    [{ rate502: 1 }, 502, 'BadGateway'],
    [{ rate504: 1 }, 504, 'UnknownError'],
  ])('faults %j answer %i %s', async (faults, status, code) => {
    await t.control.call('PUT', '/faults', faults);
    const r = await outcome(graph.api(inbox(A)).get());
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.err.statusCode).toBe(status);
      expect(r.err.code).toBe(code);
    }
  });

  test('afterEffect: the request takes effect and its answer is the error; without it, nothing happens', async () => {
    const delivered = await t.control.deliver(A, await mime({ to: A, subject: 'mark me', text: 'hi' }));
    const message = `/users/${A}/messages/${delivered.id}`;
    await t.control.call('PUT', '/faults', { rate500: 1 });
    expect((await outcome(graph.api(message).patch({ isRead: true }))).ok).toBe(false);
    await t.control.setFaults({});
    expect(((await graph.api(message).get()) as { isRead: boolean }).isRead).toBe(false);

    await t.control.call('PUT', '/faults', { rate500: 1, afterEffect: true });
    const r = await outcome(graph.api(message).patch({ isRead: true }));
    expect(r.ok ? 200 : r.err.statusCode).toBe(500);
    await t.control.setFaults({});
    expect(((await graph.api(message).get()) as { isRead: boolean }).isRead).toBe(true);
  });

  test('a throttled request never runs, afterEffect or not', async () => {
    const delivered = await t.control.deliver(A, await mime({ to: A, subject: 'throttled', text: 'hi' }));
    const message = `/users/${A}/messages/${delivered.id}`;
    await t.control.call('PUT', '/faults', { rate429: 1, afterEffect: true });
    const r = await outcome(graph.api(message).patch({ isRead: true }));
    expect(r.ok ? 200 : r.err.statusCode).toBe(429);
    await t.control.setFaults({});
    expect(((await graph.api(message).get()) as { isRead: boolean }).isRead).toBe(false);
  });
});

describe('attachments over 4 MB in $expand', () => {
  test('come without contentBytes beside smaller ones that have it; their own GET serves the content', async () => {
    await withSandbox({}, async (t, graph) => {
      const big = Buffer.alloc(5 * 1024 * 1024, 7);
      const small = Buffer.from('a small note');
      await t.control.deliver(A, await mime({ to: A, subject: 'scans', text: 'attached', attachments: [{ filename: 'big.bin', content: big }, { filename: 'small.txt', content: small }] }));
      const page = (await graph.api(`${inbox(A)}/messages`).expand('attachments').get()) as { value: { id: string; attachments: { id: string; name: string; size: number; contentBytes?: string }[] }[] };
      const attachments = page.value[0]!.attachments;
      const bigOne = attachments.find((a) => a.name === 'big.bin')!;
      const smallOne = attachments.find((a) => a.name === 'small.txt')!;
      expect(bigOne.contentBytes).toBeUndefined();
      expect(bigOne.size).toBeGreaterThan(4 * 1024 * 1024);
      expect(Buffer.from(smallOne.contentBytes ?? '', 'base64')).toEqual(small);
      const own = (await graph.api(`/users/${A}/messages/${page.value[0]!.id}/attachments/${bigOne.id}`).get()) as { contentBytes?: string };
      expect(Buffer.from(own.contentBytes ?? '', 'base64').equals(big)).toBe(true);
    });
  });

  test('expandOmitsLargeAttachments: false serves them whole', async () => {
    await withSandbox({ expandOmitsLargeAttachments: false }, async (t, graph) => {
      const big = Buffer.alloc(5 * 1024 * 1024, 7);
      const { id } = await t.control.deliver(A, await mime({ to: A, subject: 'scans', text: 'attached', attachments: [{ filename: 'big.bin', content: big }] }));
      const message = (await graph.api(`/users/${A}/messages/${id}`).expand('attachments').get()) as { attachments: { contentBytes?: string }[] };
      expect(Buffer.from(message.attachments[0]?.contentBytes ?? '', 'base64').equals(big)).toBe(true);
    });
  });
});

describe('a mailbox whose address is not its owner’s sign-in name', () => {
  const ADDRESS = 'help@contoso.test';
  const UPN = 'j.doe@contoso.test';
  let t: TestSandbox;

  beforeAll(async () => {
    t = await startTestSandbox();
    await t.control.createMailbox(A);
  });
  afterAll(() => t.close());

  test('POST /sandbox/mailboxes {address, upn}: the user signs in as the UPN, mail goes to the address, both resolve to one user', async () => {
    const created = await t.control.call<{ id: string; address: string; upn: string }>('POST', '/mailboxes', { address: ADDRESS, upn: UPN, displayName: 'Help' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ address: ADDRESS, upn: UPN });
    const app = t.graph(await t.control.token({ roles: ['Mail.ReadWrite', 'User.Read.All'] }), { retries: false });
    const byAddress = (await app.api(`/users/${ADDRESS}`).get()) as { id: string; mail: string; userPrincipalName: string };
    expect(byAddress).toMatchObject({ id: created.body.id, mail: ADDRESS, userPrincipalName: UPN });
    expect(((await app.api(`/users/${UPN}`).get()) as { id: string }).id).toBe(created.body.id);
    expect(((await app.api(`/users/${created.body.id}`).get()) as { id: string }).id).toBe(created.body.id);

    const delivered = await t.control.deliver(ADDRESS, await mime({ to: ADDRESS, subject: 'to the address', text: 'hi' }));
    const token = await t.control.token({ upn: UPN });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { preferred_username: string; oid: string };
    expect(claims).toMatchObject({ preferred_username: UPN, oid: created.body.id });
    // The owner's token reads the mailbox by its address, its UPN and its id: one mailbox.
    const owner = t.graph(token, { retries: false });
    for (const key of [ADDRESS, UPN, created.body.id]) {
      const page = (await owner.api(`/users/${key}/mailFolders/inbox/messages`).select(['id']).get()) as { value: { id: string }[] };
      expect(page.value.map((m) => m.id)).toEqual([delivered.id]);
    }
    // Another user's token: User.Read reads only the signed-in user.
    const other = t.graph(await t.control.token({ upn: A }), { retries: false });
    const refused = await outcome(other.api(`/users/${ADDRESS}`).get());
    expect(refused.ok ? 200 : refused.err.statusCode).toBe(403);
    expect(((await other.api('/me').get()) as { mail: string }).mail).toBe(A);
  });

  test('the same call again is idempotent; an address or user already taken is refused 409', async () => {
    const again = await t.control.call<{ id: string }>('POST', '/mailboxes', { address: ADDRESS });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe((await t.control.call<{ id: string }>('POST', '/mailboxes', { address: ADDRESS, upn: UPN })).body.id);
    expect((await t.control.call<{ error: { code: string } }>('POST', '/mailboxes', { address: ADDRESS, upn: 'someone.new@contoso.test' })).body.error.code).toBe('AddressInUse');
    expect((await t.control.call<{ error: { code: string } }>('POST', '/mailboxes', { address: 'help-desk@contoso.test', upn: UPN })).body.error.code).toBe('MailboxExists');
    expect((await t.control.call<{ error: { code: string } }>('POST', '/users', { upn: ADDRESS })).status).toBe(409);
  });
});
