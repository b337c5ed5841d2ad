import fs from 'node:fs';
import path from 'node:path';
import { PageIterator, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { DemoMailGenerator } from '../../../server/sandbox';
import { graphError, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Graph mail conformance through the real Graph SDK: listing, filters and the InefficientFilter rule, paging
 * with absolute nextLinks, $select-only properties, MIME, PATCH / move / DELETE, attachments, id errors,
 * authentication and authorization errors, and Graph's error shape and request-id headers.
 */

const MAILBOX = 'support@contoso.test';
const INBOX = `/users/${MAILBOX}/mailFolders/inbox/messages`;
const fixture = (name: string): Buffer => fs.readFileSync(path.join(__dirname, '../../fixtures/mail', name));

let t: TestSandbox;
let graph: Client;
const GENERATED = 25;
const base = Date.parse('2024-05-01T08:00:00Z');
const minute = 60_000;

interface Message {
  id: string;
  subject: string;
  isRead: boolean;
  receivedDateTime: string;
  internetMessageId: string;
  parentFolderId: string;
  hasAttachments: boolean;
  body: { contentType: string; content: string };
  from: { emailAddress: { name: string; address: string } };
  internetMessageHeaders?: { name: string; value: string }[];
  attachments?: { '@odata.type': string; name: string; contentType: string; contentBytes?: string; isInline: boolean }[];
}

beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createMailbox(MAILBOX, 'Contoso Support');
  await t.control.createMailbox('other@contoso.test');
  await t.control.createUser({ upn: 'nomailbox@contoso.test' });
  graph = t.graph(await t.control.token({ upn: MAILBOX, scopes: ['Mail.ReadWrite', 'Mail.Send'] }), { retries: false });
  const generator = new DemoMailGenerator({ to: MAILBOX, seed: 7 });
  for (let i = 0; i < GENERATED; i++) {
    const mail = await generator.next('question');
    await t.control.deliver(MAILBOX, mail.mime, { receivedDateTime: new Date(base + i * minute).toISOString() });
  }
  await t.control.deliver(MAILBOX, fixture('question-with-attachment.eml'), { receivedDateTime: new Date(base + 100 * minute).toISOString() });
  await t.control.deliver(MAILBOX, fixture('non-ascii-quoted-printable.eml'), { receivedDateTime: new Date(base + 101 * minute).toISOString() });
  await t.control.deliver(MAILBOX, fixture('inline-image-only.eml'), { receivedDateTime: new Date(base + 102 * minute).toISOString() });
});
afterAll(() => t.close());

const TOTAL = GENERATED + 3;
// Tests below that count the inbox run before the one that delivers a reply into it.

test('a list returns 10 newest first, an absolute https nextLink, and no $select-only properties', async () => {
  const page = (await graph.api(INBOX).get()) as { value: Message[]; '@odata.nextLink': string };
  expect(page.value).toHaveLength(10);
  expect(page.value[0]?.subject).toBe('Screenshot of the error');
  const times = page.value.map((m) => Date.parse(m.receivedDateTime));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  expect(page['@odata.nextLink']).toMatch(new RegExp(`^${t.sandbox.graphBaseUrl}/users/`));
  expect(page['@odata.nextLink']).toContain('skip=10');
  expect(page.value[0]).not.toHaveProperty('internetMessageHeaders');
  expect(page.value[0]).not.toHaveProperty('uniqueBody');
  expect(page.value[0]).toHaveProperty('bodyPreview');
});

test('PageIterator follows nextLinks through every page', async () => {
  const first = (await graph.api(INBOX).top(7).select('id,subject').get()) as { value: Message[] };
  const ids: string[] = [];
  const it = new PageIterator(graph, first as never, (m: Message) => {
    ids.push(m.id);
    return true;
  });
  await it.iterate();
  expect(ids).toHaveLength(TOTAL);
  expect(new Set(ids).size).toBe(TOTAL);
});

test('$filter on isRead and receivedDateTime, combined with and, and $select limits the fields', async () => {
  const since = new Date(base + 20 * minute).toISOString().replace('.000', '');
  const page = (await graph.api(INBOX).filter(`isRead eq false and receivedDateTime ge ${since}`).select('subject,isRead').top(50).get()) as { value: Record<string, unknown>[] };
  expect(page.value).toHaveLength(GENERATED - 20 + 3);
  expect(Object.keys(page.value[0] ?? {}).sort()).toEqual(['@odata.etag', 'id', 'isRead', 'subject']);
});

test('$orderby needs its property first in $filter, else 400 InefficientFilter', async () => {
  const err = await graphError(graph.api(INBOX).filter('isRead eq false').orderby('receivedDateTime asc').get());
  expect(err.statusCode).toBe(400);
  expect(err.code).toBe('InefficientFilter');
  const since = new Date(base).toISOString();
  const ok = (await graph.api(INBOX).filter(`receivedDateTime ge ${since} and isRead eq false`).orderby('receivedDateTime asc').top(3).get()) as { value: Message[] };
  const times = ok.value.map((m) => Date.parse(m.receivedDateTime));
  expect(times).toEqual([base, base + minute, base + 2 * minute]);
});

test('a quoted date in $filter is a type error, as in Exchange', async () => {
  const err = await graphError(graph.api(INBOX).filter("receivedDateTime ge '2024-05-01'").get());
  expect(err.statusCode).toBe(400);
});

test('internetMessageId eq finds the one message; internetMessageHeaders come only with $select', async () => {
  const page = (await graph.api(`/users/${MAILBOX}/messages`).filter("internetMessageId eq '<CAF4711.invoice@fabrikam.test>'").select('subject,internetMessageHeaders').get()) as { value: Message[] };
  expect(page.value).toHaveLength(1);
  const headers = page.value[0]?.internetMessageHeaders ?? [];
  expect(headers.find((h) => h.name === 'Message-ID')?.value).toBe('<CAF4711.invoice@fabrikam.test>');
  expect(headers.find((h) => h.name === 'Received')?.value).toContain('by mx.contoso.test');
});

test("internetMessageId eq matches in any letter case, as Exchange's does, and reads a quote doubled in the literal", async () => {
  // The index that answers this filter must agree with the filter itself, which compares case-insensitively.
  const page = (await graph.api(`/users/${MAILBOX}/messages`).filter("internetMessageId eq '<caf4711.INVOICE@FABRIKAM.test>'").select('internetMessageId').get()) as { value: Message[] };
  expect(page.value.map((m) => m.internetMessageId)).toEqual(['<CAF4711.invoice@fabrikam.test>']);
  await t.control.deliver(MAILBOX, "From: Pat O'Brien <pat@obrien.test>\r\nTo: support@contoso.test\r\nSubject: quoted id\r\nMessage-ID: <o'brien.1@obrien.test>\r\n\r\nHello\r\n");
  const quoted = (await graph.api(`/users/${MAILBOX}/messages`).filter("internetMessageId eq '<o''brien.1@obrien.test>'").select('subject').get()) as { value: Message[] };
  expect(quoted.value.map((m) => m.subject)).toEqual(['quoted id']);
});

test('MIME is parsed into fields; $value returns the delivered bytes', async () => {
  const { value } = (await graph.api(INBOX).filter("internetMessageId eq '<20240515073000.1234@example.de>'").get()) as { value: Message[] };
  const m = value[0];
  expect(m?.subject).toBe('Frage zur Rechnung – Überweisung fehlgeschlagen');
  expect(m?.from.emailAddress).toEqual({ name: 'José Müller', address: 'jose.mueller@example.de' });
  expect(m?.body.content).toContain('Überweisung für Rechnung');
  const mime = (await graph.api(`/users/${MAILBOX}/messages/${m?.id}/$value`).responseType(ResponseType.TEXT).get()) as string;
  expect(mime).toBe(fixture('non-ascii-quoted-printable.eml').toString('utf8'));
});

test('users are addressable by object id too; recipients and threads come from the MIME', async () => {
  const [m] = ((await graph.api(INBOX).filter("internetMessageId eq '<CAF4711.invoice@fabrikam.test>'").get()) as { value: (Message & { ccRecipients: unknown[]; conversationId: string })[] }).value;
  expect(m?.ccRecipients).toEqual([{ emailAddress: { name: 'Sam Carter', address: 'sam.carter@contractor.example' } }]);
  const reply = await t.control.deliver(
    MAILBOX,
    'From: Jordan Miller <jordan@fabrikam.test>\r\nTo: support@contoso.test\r\nSubject: Re: Invoice 4711 charged twice\r\nMessage-ID: <reply-1@fabrikam.test>\r\nIn-Reply-To: <CAF4711.invoice@fabrikam.test>\r\nReferences: <CAF4711.invoice@fabrikam.test>\r\n\r\nAny news?\r\n',
  );
  const owner = (await graph.api('/me').get()) as { id: string };
  const byId = (await graph.api(`/users/${owner.id}/messages/${reply.id}`).select('conversationId,subject').get()) as { conversationId: string; subject: string };
  expect(byId.subject).toBe('Re: Invoice 4711 charged twice');
  expect(byId.conversationId).toBe(m?.conversationId);
  const [other] = ((await graph.api(INBOX).filter("internetMessageId eq '<inline-only.1@tailspin.example>'").select('conversationId').get()) as { value: { conversationId: string }[] }).value;
  expect(other?.conversationId).not.toBe(m?.conversationId);
});

test('attachments: $expand returns fileAttachments with content; inline images do not set hasAttachments', async () => {
  const [withFile] = ((await graph.api(INBOX).filter("internetMessageId eq '<CAF4711.invoice@fabrikam.test>'").expand('attachments').get()) as { value: Message[] }).value;
  expect(withFile?.hasAttachments).toBe(true);
  const pdf = withFile?.attachments?.find((a) => a.name === 'statement.pdf');
  expect(pdf?.['@odata.type']).toBe('#microsoft.graph.fileAttachment');
  expect(Buffer.from(pdf?.contentBytes ?? '', 'base64').toString('latin1')).toMatch(/^%PDF-1\.4/);
  expect(withFile?.attachments?.find((a) => a.name === 'signature.png')?.isInline).toBe(true);
  const [inlineOnly] = ((await graph.api(INBOX).filter("internetMessageId eq '<inline-only.1@tailspin.example>'").get()) as { value: Message[] }).value;
  expect(inlineOnly?.hasAttachments).toBe(false);
});

test('Prefer outlook.body-content-type="text" converts the body and answers Preference-Applied', async () => {
  const res = (await graph.api(INBOX).filter("internetMessageId eq '<CAF4711.invoice@fabrikam.test>'").header('Prefer', 'outlook.body-content-type="text"').responseType(ResponseType.RAW).get()) as Response;
  expect(res.headers.get('preference-applied')).toBe('outlook.body-content-type="text"');
  const body = (await res.json()) as { value: Message[] };
  expect(body.value[0]?.body.contentType).toBe('text');
  expect(body.value[0]?.body.content).not.toContain('<p>');
});

test('PATCH isRead returns the message and the unread filter stops listing it', async () => {
  const [m] = ((await graph.api(INBOX).filter('isRead eq false').top(1).get()) as { value: Message[] }).value;
  const patched = (await graph.api(`/users/${MAILBOX}/messages/${m?.id}`).patch({ isRead: true })) as Message;
  expect(patched.isRead).toBe(true);
  expect(patched.id).toBe(m?.id);
  const unread = (await graph.api(INBOX).filter(`isRead eq false and internetMessageId eq '${m?.internetMessageId}'`).get()) as { value: Message[] };
  expect(unread.value).toHaveLength(0);
  const err = await graphError(graph.api(`/users/${MAILBOX}/messages/${m?.id}`).patch({ isRead: 'yes' }));
  expect(err.statusCode).toBe(400);
});

test('move answers 201 with a new id; the old id is gone (404); an immutable id survives the move', async () => {
  const [m] = ((await graph.api(INBOX).top(1).header('Prefer', 'IdType="ImmutableId"').get()) as { value: Message[] }).value;
  const [rest] = ((await graph.api(INBOX).top(1).get()) as { value: Message[] }).value;
  const moved = (await graph.api(`/users/${MAILBOX}/messages/${rest?.id}/move`).post({ destinationId: 'deleteditems' })) as Message;
  expect(moved.id).not.toBe(rest?.id);
  const folder = (await graph.api(`/users/${MAILBOX}/mailFolders/deleteditems`).get()) as { id: string };
  expect(moved.parentFolderId).toBe(folder.id);
  const gone = await graphError(graph.api(`/users/${MAILBOX}/messages/${rest?.id}`).get());
  expect(gone.statusCode).toBe(404);
  expect(gone.code).toBe('ErrorItemNotFound');
  const byImmutable = (await graph.api(`/users/${MAILBOX}/messages/${m?.id}`).header('Prefer', 'IdType="ImmutableId"').get()) as Message;
  expect(byImmutable.id).toBe(m?.id);
  expect(byImmutable.parentFolderId).toBe(folder.id);
});

test('DELETE answers 204 and the message is gone', async () => {
  const [m] = ((await graph.api(INBOX).top(1).get()) as { value: Message[] }).value;
  await graph.api(`/users/${MAILBOX}/messages/${m?.id}`).delete();
  const err = await graphError(graph.api(`/users/${MAILBOX}/messages/${m?.id}`).get());
  expect(err.code).toBe('ErrorItemNotFound');
});

test('a malformed id is 400 ErrorInvalidIdMalformed, with Graph error shape and request-id headers', async () => {
  const err = await graphError(graph.api(`/users/${MAILBOX}/messages/not-an-id`).get());
  expect(err.statusCode).toBe(400);
  expect(err.code).toBe('ErrorInvalidIdMalformed');
  expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(err.headers?.get('request-id')).toBe(err.requestId);
  expect(err.headers?.get('client-request-id')).toBeTruthy();
  // The SDK keeps the inner `error` object of {"error":{...}} as the GraphError's body.
  const body = JSON.parse(String(err.body)) as { code: string; message: string; innerError: Record<string, string> };
  expect(body.code).toBe('ErrorInvalidIdMalformed');
  expect(body.message).toBe('Id is malformed.');
  expect(body.innerError['request-id']).toBe(err.requestId);
  expect(body.innerError['date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  expect(err.date.getTime()).toBeGreaterThan(Date.now() - 60_000);
});

test('query validation: $top above 1000 and unknown $select properties are refused', async () => {
  expect((await graphError(graph.api(INBOX).top(1001).get())).statusCode).toBe(400);
  const err = await graphError(graph.api(INBOX).select('subject,nonsense').get());
  expect(err.statusCode).toBe(400);
  expect(err.code).toBe('RequestBroker--ParseUri');
});

describe('authentication and authorization', () => {
  test('no token, an expired token, or a token for another audience: 401 InvalidAuthenticationToken', async () => {
    for (const token of ['', await t.control.token({ upn: MAILBOX, expiresInSeconds: -60 }), await t.control.token({ upn: MAILBOX, audience: t.sandbox.app.apiAudience })]) {
      const err = await graphError(t.graph(token, { retries: false }).api(INBOX).get());
      expect(err.statusCode).toBe(401);
      expect(err.code).toBe('InvalidAuthenticationToken');
    }
  });

  test("a delegated token cannot read another user's mailbox (403); missing scope is 403 too", async () => {
    expect((await graphError(graph.api('/users/other@contoso.test/messages').get())).code).toBe('ErrorAccessDenied');
    const sendOnly = t.graph(await t.control.token({ upn: MAILBOX, scopes: ['Mail.Send'] }), { retries: false });
    const err = await graphError(sendOnly.api(INBOX).get());
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('ErrorAccessDenied');
  });

  test('an unknown user is 404 ErrorInvalidUser; a user without a mailbox is MailboxNotEnabledForRESTAPI', async () => {
    const app = t.graph(await t.control.token({ roles: ['Mail.ReadWrite'] }), { retries: false });
    expect((await graphError(app.api('/users/nobody@contoso.test/messages').get())).code).toBe('ErrorInvalidUser');
    expect((await graphError(app.api('/users/nomailbox@contoso.test/messages').get())).code).toBe('MailboxNotEnabledForRESTAPI');
    const ok = (await app.api('/users/other@contoso.test/mailFolders/inbox/messages').get()) as { value: unknown[] };
    expect(ok.value).toEqual([]);
  });
});
