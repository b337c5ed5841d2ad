import { markRead } from '../../../server/graph/mail-operations';
import { MailboxClients } from '../../../server/graph/mailbox-clients';

// A 429 inside a $batch answer arrives in a 200 envelope, so the governed middleware never sees it: mark-read
// itself must hold the mailbox, or the mailbox's other requests run straight into the throttle.

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

it('holds the whole mailbox for the Retry-After of a 429 inside $batch, then marks the message', async () => {
  const sent: { url: string; at: number }[] = [];
  let batches = 0;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    sent.push({ url, at: Date.now() });
    if (!url.includes('$batch')) return json({ id: 'inbox', totalItemCount: 0, unreadItemCount: 0 });
    batches += 1;
    if (batches === 1) return json({ responses: [{ id: '0', status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'ApplicationThrottled', message: 'MailboxConcurrency' } } }] });
    return json({ responses: [{ id: '0', status: 200, headers: {}, body: { id: 'AAMk1', isRead: true } }] });
  }) as typeof fetch;

  const client = new MailboxClients({ baseUrl: 'https://graph.microsoft.com/v1.0', customHosts: [] }, async () => 'token').client(1);
  let throttledAt = 0;
  const marking = markRead(client, 'support@contoso.test', ['AAMk1'], () => {
    throttledAt = Date.now();
  });
  await until(() => throttledAt > 0);
  // Another request for the same mailbox, asked for while mark-read waits out the 429.
  await client.api('/users/support%40contoso.test/mailFolders/inbox').get();
  const inboxAt = sent.find((s) => s.url.includes('mailFolders'))!.at;
  expect(inboxAt - throttledAt).toBeGreaterThanOrEqual(900);
  expect(await marking).toEqual({ done: ['AAMk1'], failed: [], skipped: [] });
});
