import { BatchRequestContent, BatchResponseContent, type Client } from '@microsoft/microsoft-graph-client';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DemoMailGenerator } from '../../../server/sandbox';
import { eventually, graphError, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * $batch and sendMail through the Graph SDK: batch limits, dependsOn and 424, per-request status and
 * throttling accounting; sendMail JSON and MIME with Exchange's header rules, size cap, send-as check, the
 * asynchronous Sent Items copy, delivery to other sandbox mailboxes and bounces for unknown local addresses.
 */

const SUPPORT = 'support@contoso.test';
const CUSTOMER = 'jordan@fabrikam.test';
let t: TestSandbox;
let graph: Client;

/** Graph wants batch URLs relative to the version; SDK 3.0.7 strips only scheme and host, so no /v1.0 here. */
function step(id: string, method: string, path: string, body?: unknown, dependsOn?: string[]): { id: string; request: Request; dependsOn?: string[] } {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  return { id, request: new Request(`${t.sandbox.baseUrl}${path}`, init), ...(dependsOn ? { dependsOn } : {}) };
}

async function inboxIds(n: number): Promise<string[]> {
  const page = (await graph.api(`/users/${SUPPORT}/mailFolders/inbox/messages`).select('id').top(n).get()) as { value: { id: string }[] };
  return page.value.map((m) => m.id);
}

beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createMailbox(SUPPORT, 'Contoso Support');
  await t.control.createMailbox(CUSTOMER, 'Jordan Miller');
  graph = t.graph(await t.control.token({ upn: SUPPORT, scopes: ['Mail.ReadWrite', 'Mail.Send'] }), { retries: false });
  const generator = new DemoMailGenerator({ to: SUPPORT, seed: 3 });
  for (let i = 0; i < 25; i++) await t.control.deliver(SUPPORT, (await generator.next('question')).mime);
});
afterAll(() => t.close());

describe('$batch', () => {
  test('20 PATCHes in one batch: each answered, each sub-request counted against the mailbox', async () => {
    const ids = await inboxIds(20);
    const before = await t.control.stats(SUPPORT);
    const content = new BatchRequestContent(ids.map((id, i) => step(String(i + 1), 'PATCH', `/users/${SUPPORT}/messages/${id}`, { isRead: true })));
    const res = new BatchResponseContent((await graph.api('/$batch').post(await content.getContent())) as never);
    const responses = [...res.getResponses().values()];
    expect(responses).toHaveLength(20);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const after = await t.control.stats(SUPPORT);
    // Graph throttles the sub-requests, not the $batch envelope.
    expect(after.requests - before.requests).toBe(20);
    expect(after.throttledUnits - before.throttledUnits).toBe(20);
    const unread = (await graph.api(`/users/${SUPPORT}/mailFolders/inbox/messages`).filter('isRead eq false').top(50).get()) as { value: unknown[] };
    expect(unread.value).toHaveLength(5);
  });

  test('more than 20 requests is refused as a whole with 400', async () => {
    const ids = await inboxIds(21);
    const payload = { requests: ids.map((id, i) => ({ id: String(i), method: 'GET', url: `/users/${SUPPORT}/messages/${id}` })) };
    const err = await graphError(graph.api('/$batch').post(payload));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('BadRequest');
  });

  test('a failed dependency answers 424 without running the dependent request', async () => {
    const [id] = await inboxIds(1);
    const content = new BatchRequestContent([step('1', 'GET', `/users/${SUPPORT}/messages/not-a-valid-id`), step('2', 'PATCH', `/users/${SUPPORT}/messages/${id}`, { categories: ['should-not-apply'] }, ['1'])]);
    const res = new BatchResponseContent((await graph.api('/$batch').post(await content.getContent())) as never);
    expect(res.getResponseById('1')?.status).toBe(400);
    expect(res.getResponseById('2')?.status).toBe(424);
    const m = (await graph.api(`/users/${SUPPORT}/messages/${id}`).select('categories').get()) as { categories: string[] };
    expect(m.categories).toEqual([]);
  });

  test('a URL with the version inside the batch fails like Graph: Resource not found for the segment v1.0', async () => {
    const payload = { requests: [{ id: '1', method: 'GET', url: `/v1.0/users/${SUPPORT}/mailFolders/inbox` }] };
    const body = (await graph.api('/$batch').post(payload)) as { responses: { id: string; status: number; body: { error: { code: string; message: string } } }[] };
    expect(body.responses[0]?.status).toBe(400);
    expect(body.responses[0]?.body.error.message).toBe("Resource not found for the segment 'v1.0'.");
  });
});

describe('sendMail', () => {
  test('JSON: 202, a Sent Items copy shortly after, the recipient mailbox gets it, /sent shows it', async () => {
    await graph.api(`/users/${SUPPORT}/sendMail`).post({
      message: {
        subject: 'Your request [#42]',
        body: { contentType: 'text', content: 'We are on it.' },
        toRecipients: [{ emailAddress: { address: CUSTOMER, name: 'Jordan Miller' } }],
        internetMessageHeaders: [{ name: 'X-Relaydesk-Email-Id', value: 'outbox-1' }],
      },
    });
    const sent = await eventually(async () => (await t.control.sent(SUPPORT)).find((s) => s.mime.includes('Your request [#42]')));
    expect(sent.mime).toMatch(/^X-Relaydesk-Email-Id: outbox-1\r?$/m);
    const copy = await eventually(async () => {
      const page = (await graph.api(`/users/${SUPPORT}/mailFolders/sentitems/messages`).filter(`internetMessageId eq '${sent.internetMessageId}'`).get()) as { value: { id: string; isRead: boolean }[] };
      return page.value[0];
    });
    // The log names the message by its id now: it moved from Drafts to the Outbox to Sent Items.
    expect(copy.id).toBe((await t.control.sent(SUPPORT)).find((s) => s.internetMessageId === sent.internetMessageId)?.id);
    expect(copy.isRead).toBe(true);
    const customer = t.graph(await t.control.token({ upn: CUSTOMER }), { retries: false });
    const received = await eventually(async () => ((await customer.api('/me/mailFolders/inbox/messages').get()) as { value: { subject: string }[] }).value[0]);
    expect(received.subject).toBe('Your request [#42]');
  });

  test('JSON: custom headers must start with x- and at most 5 are allowed (InvalidInternetMessageHeader)', async () => {
    const message = (headers: { name: string; value: string }[]) => ({ message: { subject: 's', toRecipients: [{ emailAddress: { address: CUSTOMER } }], internetMessageHeaders: headers } });
    const bad = await graphError(graph.api(`/users/${SUPPORT}/sendMail`).post(message([{ name: 'Auto-Submitted', value: 'auto-generated' }])));
    expect(bad.statusCode).toBe(400);
    expect(bad.code).toBe('InvalidInternetMessageHeader');
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `X-Custom-${i}`, value: String(i) }));
    expect((await graphError(graph.api(`/users/${SUPPORT}/sendMail`).post(message(six)))).code).toBe('InvalidInternetMessageHeader');
    await expect(graph.api(`/users/${SUPPORT}/sendMail`).post(message(six.slice(0, 5)))).resolves.toBeDefined();
  });

  test('MIME: our Message-ID and threading headers are kept, Auto-Submitted is stripped as Exchange does', async () => {
    const mime = await new MailComposer({
      from: { name: 'Contoso Support', address: SUPPORT },
      to: CUSTOMER,
      subject: 'Re: Printer on fire',
      text: 'Reply above this line',
      messageId: '<ticket-42.1@relaydesk.test>',
      inReplyTo: '<customer-1@fabrikam.test>',
      references: '<customer-1@fabrikam.test>',
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    })
      .compile()
      .build();
    await graph.api(`/users/${SUPPORT}/sendMail`).header('Content-Type', 'text/plain').post(mime.toString('base64'));
    const sent = await eventually(async () => (await t.control.sent(SUPPORT)).find((s) => s.internetMessageId === '<ticket-42.1@relaydesk.test>'));
    const parsed = await simpleParser(sent.mime);
    expect(parsed.inReplyTo).toBe('<customer-1@fabrikam.test>');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.headers.has('auto-submitted')).toBe(false);
  });

  test('MIME: invalid base64 is ErrorMimeContentInvalidBase64String', async () => {
    const err = await graphError(graph.api(`/users/${SUPPORT}/sendMail`).header('Content-Type', 'text/plain').post('this is not base64!'));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('ErrorMimeContentInvalidBase64String');
  });

  test('a From the mailbox may not send as is refused with ErrorSendAsDenied', async () => {
    const err = await graphError(
      graph.api(`/users/${SUPPORT}/sendMail`).post({ message: { subject: 's', from: { emailAddress: { address: 'ceo@contoso.test' } }, toRecipients: [{ emailAddress: { address: CUSTOMER } }] } }),
    );
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('ErrorSendAsDenied');
  });

  test('saveToSentItems false: sent, but no Sent Items copy', async () => {
    await graph.api(`/users/${SUPPORT}/sendMail`).post({ message: { subject: 'not saved', toRecipients: [{ emailAddress: { address: 'someone@example.com' } }] }, saveToSentItems: false });
    const sent = await eventually(async () => (await t.control.sent(SUPPORT)).find((s) => s.mime.includes('Subject: not saved')));
    await new Promise((r) => setTimeout(r, 200));
    const page = (await graph.api(`/users/${SUPPORT}/mailFolders/sentitems/messages`).filter(`internetMessageId eq '${sent.internetMessageId}'`).get()) as { value: unknown[] };
    expect(page.value).toHaveLength(0);
  });

  test('a request over 4 MB is refused with 413', async () => {
    const big = Buffer.alloc(3.5 * 1024 * 1024, 'a').toString('base64');
    const err = await graphError(graph.api(`/users/${SUPPORT}/sendMail`).header('Content-Type', 'text/plain').post(big));
    expect(err.statusCode).toBe(413);
  });

  test('an unknown address in a sandbox domain bounces back to the sender as a delivery report', async () => {
    await graph.api(`/users/${SUPPORT}/sendMail`).post({ message: { subject: 'to nobody', toRecipients: [{ emailAddress: { address: 'nobody@contoso.test' } }] } });
    const bounce = await eventually(async () => {
      const page = (await graph.api(`/users/${SUPPORT}/mailFolders/inbox/messages`).filter("subject eq 'Undeliverable: to nobody'").expand('attachments').get()) as { value: { attachments: { contentType: string }[] }[] };
      return page.value[0];
    });
    expect(bounce.attachments.map((a) => a.contentType)).toContain('message/delivery-status');
  });
});
