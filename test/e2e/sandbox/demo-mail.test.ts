import { DEMO } from '../../../server/sandbox';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * POST /sandbox/mailboxes/{address}/demo-mail (what the preview's "Send a customer email" uses): one demo email
 * of a kind, delivered at once; a `reply` is a demo customer answering what the mailbox last sent them, arriving
 * through the transport as mail does, or, with nothing to answer, the generator's own follow-up.
 */

const SUPPORT = DEMO.support.upn;
const CUSTOMER = DEMO.customers[0].upn;

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({ seedDemo: true });
});
afterAll(() => t.close());

type Delivered = { kind: string; subject: string; internetMessageId: string; id: string | null; from: { address: string } };
const demoMail = (address: string, body: unknown) => t.control.call<Delivered>('POST', `/mailboxes/${encodeURIComponent(address)}/demo-mail`, body);

test('delivers the kind asked for into the Inbox, where Graph serves it; any kind when none is asked for', async () => {
  const bounce = await demoMail(SUPPORT, { kind: 'bounce' });
  expect(bounce.status).toBe(201);
  expect(bounce.body).toMatchObject({ kind: 'bounce', from: { address: 'MAILER-DAEMON@mx1.example.net' } });
  const graph = t.graph(await t.control.token({ upn: SUPPORT, scopes: ['Mail.Read'] }));
  await expect(graph.api(`/users/${SUPPORT}/messages/${bounce.body.id ?? ''}`).select('subject,internetMessageId').get()).resolves.toEqual(expect.objectContaining({ subject: bounce.body.subject, internetMessageId: bounce.body.internetMessageId }));

  const any = await demoMail(SUPPORT, {});
  expect(any.status).toBe(201);
  expect(any.body.id).toEqual(expect.any(String));
});

test('refuses an unknown kind (400 InvalidRequest) and an unknown mailbox (404 MailboxNotFound)', async () => {
  const badKind = await demoMail(SUPPORT, { kind: 'invoice' });
  expect(badKind.status).toBe(400);
  expect((badKind.body as unknown as { error: { code: string } }).error.code).toBe('InvalidRequest');
  const nobody = await demoMail('nobody@contoso.test', { kind: 'question' });
  expect(nobody.status).toBe(404);
  expect((nobody.body as unknown as { error: { code: string } }).error.code).toBe('MailboxNotFound');
});

test("a reply answers the mailbox's last email to a demo customer, once; then it is the generator's follow-up", async () => {
  // The helpdesk writes to a demo customer (as Relaydesk's acknowledgement would), and it reaches their Inbox.
  const helpdesk = t.graph(await t.control.token({ upn: SUPPORT, scopes: ['Mail.Send', 'Mail.Read'] }));
  await helpdesk.api(`/users/${SUPPORT}/sendMail`).post({ message: { subject: 'Your request has been received', body: { contentType: 'Text', content: 'We are on it.' }, toRecipients: [{ emailAddress: { address: CUSTOMER } }] } });
  const customer = t.graph(await t.control.token({ upn: CUSTOMER, scopes: ['Mail.Read'] }));
  await eventually(async () => ((await customer.api(`/users/${CUSTOMER}/mailFolders/inbox/messages`).get()) as { value: unknown[] }).value.length > 0 || undefined, 10_000);

  const reply = await demoMail(SUPPORT, { kind: 'reply' });
  expect(reply.status).toBe(201);
  expect(reply.body).toMatchObject({ kind: 'reply', id: null, subject: 'Re: Your request has been received', from: { address: CUSTOMER } });
  const arrived = await eventually(async () => {
    const page = (await helpdesk.api(`/users/${SUPPORT}/mailFolders/inbox/messages`).filter(`internetMessageId eq '${reply.body.internetMessageId}'`).select('subject,from').get()) as { value: { subject: string; from: { emailAddress: { address: string } } }[] };
    return page.value[0];
  }, 10_000);
  expect(arrived).toMatchObject({ subject: 'Re: Your request has been received', from: { emailAddress: { address: CUSTOMER } } });

  // That email is answered now: the next reply is the generator's, delivered at once.
  const again = await demoMail(SUPPORT, { kind: 'reply' });
  expect(again.status).toBe(201);
  expect(again.body.id).toEqual(expect.any(String));
});
