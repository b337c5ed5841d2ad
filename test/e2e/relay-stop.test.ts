import { DEFAULT_RELAY_SETTINGS, exchangePacing, RelayWorker, type RelaySettings } from '../../server/outbound/relay-worker';
import { checkExactlyOnce } from '../support/processes/outbox-check';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// A relay that stops (SIGTERM) waits for the sends already on their way and hands back the emails still
// queued for a slot of their mailbox. Before, it sent its whole round (up to 50 emails, 4 at a time per
// mailbox) before the process could exit, and an instance that died instead left them leased for 2 minutes.

const ADDRESS = 'relay-stop@contoso.test';
const EMAILS = 20;
/** sendMail answers this late, so the stop comes while the first four are on their way and the rest wait. */
const SEND_LATENCY_MS = 800;
const SETTINGS: RelaySettings = { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.test', pacing: exchangePacing(10_000, 10_000) };

let rd: RelaydeskWithSandbox;
beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
});
afterAll(() => rd?.close());

async function sentLog(): Promise<{ internetMessageId: string }[]> {
  return (await rd.control<{ internetMessageId: string }[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(ADDRESS)}/sent`)).body;
}

it('on stop, lets the sends on their way finish and hands back the queued ones, which another relay then sends at once, each exactly once', async () => {
  const mailbox = await rd.linkMailbox(ADDRESS);
  const requester = await rd.store.users.ensureByEmail('customer@example.com', 'Customer');
  const ticket = await rd.store.tickets.insert({ mailboxId: mailbox.id, subject: 'Order', status: 'new', requesterId: requester.id, referenceTag: 'STOPS' });
  for (let i = 0; i < EMAILS; i++) await rd.store.outbox.insert({ ticketId: ticket.id, mailboxId: mailbox.id, commentId: null, kind: 'ticket_received', to: [requester.email], cc: [] });
  await rd.control('PUT', '/sandbox/faults', { latencyMs: SEND_LATENCY_MS, pathPattern: '/sendMail$' });

  const first = new RelayWorker({ store: rd.store, clients: rd.newClients(), logger: rd.syncDeps().logger, settings: SETTINGS }, 'relay-one');
  let rows = await rd.store.outbox.listForTicket(ticket.id);
  try {
    first.start();
    // The first sends have left (their attempt is recorded when the governor lets them go): stop now.
    for (let waited = 0; !rows.some((r) => r.attempts > 0); waited += 20) {
      if (waited > 10_000) throw new Error('no send left within 10 s');
      await new Promise((r) => setTimeout(r, 20));
      rows = await rd.store.outbox.listForTicket(ticket.id);
    }
    await first.stop();
  } finally {
    await rd.control('PUT', '/sandbox/faults', {});
  }

  rows = await rd.store.outbox.listForTicket(ticket.id);
  const sentAtStop = rows.filter((r) => r.state === 'sent');
  const handedBack = rows.filter((r) => r.state === 'pending');
  // What had left was answered and recorded; what had not was handed back untouched: no lease, no attempt,
  // nothing in doubt, so no other relay has to wait for a lease to expire or settle anything.
  expect(sentAtStop.length).toBeGreaterThan(0);
  expect(handedBack.length).toBeGreaterThan(0);
  expect(sentAtStop.length + handedBack.length).toBe(EMAILS);
  expect(handedBack.map((r) => ({ lease: r.lease_owner, attempts: r.attempts, unknown: r.outcome_unknown }))).toEqual(handedBack.map(() => ({ lease: null, attempts: 0, unknown: 0 })));
  expect((await sentLog()).length).toBe(sentAtStop.length);

  // Another instance's relay takes them at once (their leases, 2 minutes long, were released).
  const second = new RelayWorker({ store: rd.store, clients: rd.newClients(), logger: rd.syncDeps().logger, settings: SETTINGS }, 'relay-two');
  for (let round = 0; round < 5 && (await rd.store.outbox.countByState())['pending']; round++) await second.runOnce();
  rows = await rd.store.outbox.listForTicket(ticket.id);
  const check = checkExactlyOnce(rows, new Map([[mailbox.id, await sentLog()]]));
  expect(check.problems).toEqual([]);
  expect(check.sentEntries).toBe(EMAILS);
});
