import type { Client } from '@microsoft/microsoft-graph-client';
import MailComposer from 'nodemailer/lib/mail-composer';
import { eventually, graphError, startTestSandbox, type TestSandbox } from '../../support/sandbox';
import { maxInWindow } from '../../support/rolling-window';

/**
 * Sending as Exchange Online does it: Drafts, then the Outbox, then Sent Items a while after the message left;
 * the message rate (30 a minute, the excess waits in the Outbox), the submission quota (10,000 recipients a
 * day), the IncomingBytes budget (150 MB per 5 minutes) and large attachments through upload sessions. Each
 * limit is shown with a small number where the real one would take minutes; the defaults are checked as well.
 */

const SUPPORT = 'support@contoso.test';
const CUSTOMER = 'jordan@fabrikam.test';
const MB = 1024 * 1024;

function mime(subject: string, extra: { from?: string; to?: string[]; attachmentBytes?: number } = {}): Promise<Buffer> {
  return new MailComposer({
    from: extra.from ?? SUPPORT,
    to: extra.to ?? [CUSTOMER],
    subject,
    text: `Body of ${subject}`,
    messageId: `<${subject.replace(/\W+/g, '-')}.${Date.now()}@relaydesk.test>`,
    ...(extra.attachmentBytes ? { attachments: [{ filename: 'data.bin', content: Buffer.alloc(extra.attachmentBytes, 7) }] } : {}),
  })
    .compile()
    .build();
}

async function sendMime(graph: Client, raw: Buffer): Promise<void> {
  await graph.api(`/users/${SUPPORT}/sendMail`).header('Content-Type', 'text/plain').post(raw.toString('base64'));
}

async function folderOf(graph: Client, internetMessageId: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of ['drafts', 'outbox', 'sentitems']) {
    const page = (await graph.api(`/users/${SUPPORT}/mailFolders/${folder}/messages`).filter(`internetMessageId eq '${internetMessageId}'`).select(['id', 'isDraft']).get()) as { value: { isDraft: boolean }[] };
    for (const m of page.value) found.push(`${folder}${m.isDraft ? ' (draft)' : ''}`);
  }
  return found;
}

async function setUp(options: Parameters<typeof startTestSandbox>[0]): Promise<{ t: TestSandbox; graph: Client }> {
  const t = await startTestSandbox(options);
  await t.control.createMailbox(SUPPORT, 'Contoso Support');
  await t.control.createMailbox(CUSTOMER, 'Jordan Miller');
  const graph = t.graph(await t.control.token({ upn: SUPPORT, scopes: ['Mail.ReadWrite', 'Mail.Send'] }), { retries: false });
  return { t, graph };
}

describe('the way of a sent message', () => {
  let t: TestSandbox;
  let graph: Client;
  beforeAll(async () => ({ t, graph } = await setUp({ outboxDelayMs: 400, sentItemsDelayMs: 1_200, messageRate: false })));
  afterAll(() => t.close());

  test('sendMail: in Drafts (submitted) at once, then the Outbox, then Sent Items well after it left; the recipient gets it when it leaves', async () => {
    const raw = await mime('Way of a message');
    const started = Date.now();
    await sendMime(graph, raw);
    const [entry] = await t.control.sent(SUPPORT);
    expect(entry).toBeDefined();
    const id = entry!.internetMessageId;
    expect(await folderOf(graph, id)).toEqual(['drafts']);
    await eventually(async () => ((await folderOf(graph, id))[0] === 'outbox' ? true : undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    const received = await eventually(async () => ((await t.graph(await t.control.token({ upn: CUSTOMER })).api('/me/mailFolders/inbox/messages').get()) as { value: { internetMessageId: string }[] }).value[0]);
    expect(received.internetMessageId).toBe(id);
    await eventually(async () => ((await folderOf(graph, id))[0] === 'sentitems' ? true : undefined), 5_000);
    const log = (await t.control.sent(SUPPORT)).find((s) => s.internetMessageId === id)!;
    const [submitted, sent, filed] = [log.submittedAt, log.sentAt, log.filedAt].map((d) => Date.parse(d ?? ''));
    expect(sent! - submitted!).toBeGreaterThanOrEqual(350);
    expect(filed! - sent!).toBeGreaterThanOrEqual(1_150);
    // Every move gives the message a new REST id, as in Exchange; the log names the current one.
    const copy = (await graph.api(`/users/${SUPPORT}/mailFolders/sentitems/messages`).filter(`internetMessageId eq '${id}'`).select('id').get()) as { value: { id: string }[] };
    expect(copy.value[0]?.id).toBe(log.id);
  });
});

describe('message rate: at most N leave per window, the rest wait in the Outbox', () => {
  test('with 3 per 1.5 s, 7 messages leave 3, 3 and 1, and never more than 3 in any window', async () => {
    const { t, graph } = await setUp({ messageRate: { messages: 3, windowMs: 1_500 } });
    try {
      for (let i = 0; i < 7; i++) await sendMime(graph, await mime(`Rate ${i}`));
      await new Promise((r) => setTimeout(r, 300));
      const early = await t.control.sent(SUPPORT);
      expect(early).toHaveLength(7);
      expect(early.filter((s) => s.sentAt !== null)).toHaveLength(3);
      const outbox = (await graph.api(`/users/${SUPPORT}/mailFolders/outbox/messages`).select('id').get()) as { value: unknown[] };
      expect(outbox.value.length).toBeGreaterThanOrEqual(4);
      const all = await eventually(async () => {
        const log = await t.control.sent(SUPPORT);
        return log.every((s) => s.sentAt !== null) ? log : undefined;
      }, 10_000);
      expect(maxInWindow(all.map((s) => Date.parse(s.sentAt!)), 1_500)).toBe(3);
      // Sent in order: the oldest waiting message leaves first.
      expect(all.map((s) => s.sentAt)).toEqual([...all.map((s) => s.sentAt)].sort());
    } finally {
      await t.close();
    }
  });

  test("by default it is Exchange's 30 a minute: of 31 sent at once, one waits", async () => {
    const { t, graph } = await setUp({ outboxDelayMs: 0 });
    try {
      for (let i = 0; i < 31; i++) await sendMime(graph, await mime(`Default rate ${i}`));
      const log = await eventually(async () => {
        const l = await t.control.sent(SUPPORT);
        return l.filter((s) => s.sentAt !== null).length >= 30 ? l : undefined;
      });
      await new Promise((r) => setTimeout(r, 500));
      const again = await t.control.sent(SUPPORT);
      expect(log).toHaveLength(31);
      expect(again.filter((s) => s.sentAt === null)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('submission quota: recipients per rolling day', () => {
  test('past the quota sendMail and a draft send fail with 403 ErrorSubmissionQuotaExceeded and nothing is sent', async () => {
    const { t, graph } = await setUp({ recipientRate: { recipients: 5, windowMs: 60_000 } });
    try {
      await sendMime(graph, await mime('Quota 1', { to: [CUSTOMER, 'a@example.com', 'b@example.com'] }));
      await sendMime(graph, await mime('Quota 2', { to: [CUSTOMER, 'c@example.com'] }));
      const over = await graphError(sendMime(graph, await mime('Quota 3')));
      expect(over.statusCode).toBe(403);
      expect(over.code).toBe('ErrorSubmissionQuotaExceeded');
      const draft = (await graph.api(`/users/${SUPPORT}/messages`).post({ subject: 'Quota draft', toRecipients: [{ emailAddress: { address: CUSTOMER } }] })) as { id: string };
      expect((await graphError(graph.api(`/users/${SUPPORT}/messages/${draft.id}/send`).post(null))).code).toBe('ErrorSubmissionQuotaExceeded');
      expect((await t.control.sent(SUPPORT)).map((s) => s.mime.match(/^Subject: (.*)$/m)?.[1]?.trim())).toEqual(['Quota 1', 'Quota 2']);
    } finally {
      await t.close();
    }
  });
});

describe('IncomingBytes: request bodies per app and mailbox', () => {
  test('past the budget: 429 ApplicationThrottled "IncomingBytes" with Retry-After; another mailbox is unaffected', async () => {
    const { t, graph } = await setUp({ uploadLimits: { bytes: 1 * MB, windowMs: 60_000 } });
    try {
      await sendMime(graph, await mime('Bytes 1', { attachmentBytes: 500_000 }));
      const over = await graphError(sendMime(graph, await mime('Bytes 2', { attachmentBytes: 500_000 })));
      expect(over.statusCode).toBe(429);
      expect(over.code).toBe('ApplicationThrottled');
      expect(over.message).toContain('IncomingBytes');
      const retryAfter = Number(over.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(50);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Small requests still fit; the customer's mailbox has its own budget.
      await expect(graph.api(`/users/${SUPPORT}/mailFolders/inbox`).get()).resolves.toHaveProperty('id');
      const customer = t.graph(await t.control.token({ upn: CUSTOMER }), { retries: false });
      const theirs = await mime('Bytes 3', { from: CUSTOMER, to: [SUPPORT], attachmentBytes: 500_000 });
      await customer.api('/me/sendMail').header('Content-Type', 'text/plain').post(theirs.toString('base64'));
      expect(await t.control.sent(CUSTOMER)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('upload sessions', () => {
  let t: TestSandbox;
  let graph: Client;
  beforeAll(async () => ({ t, graph } = await setUp({ maxMessageBytes: 20 * MB })));
  afterAll(() => t.close());

  async function draft(subject: string): Promise<string> {
    const raw = await mime(subject);
    const created = (await graph.api(`/users/${SUPPORT}/messages`).header('Content-Type', 'text/plain').post(raw.toString('base64'))) as { id: string; isDraft: boolean; parentFolderId: string };
    expect(created.isDraft).toBe(true);
    return created.id;
  }

  async function session(id: string, size: number): Promise<{ uploadUrl: string; nextExpectedRanges: string[]; expirationDateTime: string }> {
    return (await graph.api(`/users/${SUPPORT}/messages/${id}/attachments/createUploadSession`).post({ AttachmentItem: { attachmentType: 'file', name: 'report.pdf', size, contentType: 'application/pdf' } })) as never;
  }

  function put(url: string, body: Buffer, start: number, total: number, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${start}-${start + body.length - 1}/${total}`, ...headers }, body });
  }

  test('draft, upload session in 4 MB ranges (200 + nextExpectedRanges, then 201 + Location), send: the recipient gets the file intact', async () => {
    const id = await draft('Large file');
    const file = Buffer.alloc(10 * MB);
    for (let i = 0; i < file.length; i += 4096) file.writeUInt32BE(i, i);
    const s = await session(id, file.length);
    expect(s.nextExpectedRanges).toEqual(['0-']);
    expect(s.uploadUrl).toMatch(/\/api\/v2\.0\/Users\('.+'\)\/Messages\('.+'\)\/AttachmentSessions\('.+'\)\?authtoken=/);
    const answers: { status: number; body: string; location: string | null }[] = [];
    for (let start = 0; start < file.length; start += 4 * MB) {
      const res = await put(s.uploadUrl, file.subarray(start, Math.min(file.length, start + 4 * MB)), start, file.length);
      answers.push({ status: res.status, body: await res.text(), location: res.headers.get('location') });
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 201]);
    expect(JSON.parse(answers[0]!.body).nextExpectedRanges).toEqual([String(4 * MB)]);
    expect(JSON.parse(answers[1]!.body).nextExpectedRanges).toEqual([String(8 * MB)]);
    expect(answers[2]!.body).toBe('');
    expect(answers[2]!.location).toMatch(/\/Attachments\('.+'\)$/);
    const listed = (await graph.api(`/users/${SUPPORT}/messages/${id}/attachments`).select(['name', 'size']).get()) as { value: { name: string; size: number }[] };
    expect(listed.value).toEqual([expect.objectContaining({ name: 'report.pdf', size: file.length })]);

    await graph.api(`/users/${SUPPORT}/messages/${id}/send`).post(null);
    const customer = t.graph(await t.control.token({ upn: CUSTOMER }), { retries: false });
    const received = await eventually(async () => ((await customer.api('/me/mailFolders/inbox/messages').filter("subject eq 'Large file'").get()) as { value: { id: string }[] }).value[0]);
    const attachments = (await customer.api(`/me/messages/${received.id}/attachments`).select(['id', 'size']).get()) as { value: { id: string; size: number }[] };
    const bytes = Buffer.from((await customer.api(`/me/messages/${received.id}/attachments/${attachments.value[0]!.id}/$value`).responseType('arraybuffer' as never).get()) as ArrayBuffer);
    expect(bytes.equals(file)).toBe(true);
    // Sent: the draft id is gone with the move, so a second send cannot send it twice.
    expect((await graphError(graph.api(`/users/${SUPPORT}/messages/${id}/send`).post(null))).statusCode).toBeGreaterThanOrEqual(400);
  }, 30_000);

  test("the session's rules: at least 3 MB, the message within its size limit, ranges in order, at most 4 MB a PUT, no Authorization header", async () => {
    const id = await draft('Rules');
    expect((await graphError(session(id, 2 * MB))).code).toBe('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
    expect((await graphError(session(id, 21 * MB))).code).toBe('ErrorMessageSizeExceeded');
    const s = await session(id, 6 * MB);
    expect((await put(s.uploadUrl, Buffer.alloc(MB), MB, 6 * MB)).status).toBe(400);
    expect((await put(s.uploadUrl, Buffer.alloc(4 * MB + 1), 0, 6 * MB)).status).toBe(413);
    expect((await put(s.uploadUrl, Buffer.alloc(MB), 0, 6 * MB, { Authorization: `Bearer ${await t.control.token({ upn: SUPPORT })}` })).status).toBe(401);
    expect((await put(s.uploadUrl.replace(/authtoken=[^&]+/, 'authtoken=wrong'), Buffer.alloc(MB), 0, 6 * MB)).status).toBe(401);
    expect((await put(s.uploadUrl, Buffer.alloc(MB), 0, 6 * MB)).status).toBe(200);
    expect((await fetch(s.uploadUrl, { method: 'DELETE' })).status).toBe(204);
    expect((await put(s.uploadUrl, Buffer.alloc(MB), MB, 6 * MB)).status).toBe(404);
  });

  test('small files go whole with POST .../attachments; a draft without recipients cannot be sent', async () => {
    const created = (await graph.api(`/users/${SUPPORT}/messages`).post({ subject: 'No one', body: { contentType: 'text', content: 'hi' } })) as { id: string };
    const added = (await graph.api(`/users/${SUPPORT}/messages/${created.id}/attachments`).post({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'note.txt', contentType: 'text/plain', contentBytes: Buffer.from('hello').toString('base64') })) as { id: string; size: number };
    expect(added.size).toBe(5);
    const got = (await graph.api(`/users/${SUPPORT}/messages/${created.id}/attachments/${added.id}`).get()) as { contentBytes: string };
    expect(Buffer.from(got.contentBytes, 'base64').toString()).toBe('hello');
    expect((await graphError(graph.api(`/users/${SUPPORT}/messages/${created.id}/send`).post(null))).code).toBe('ErrorInvalidRecipients');
  });
});

