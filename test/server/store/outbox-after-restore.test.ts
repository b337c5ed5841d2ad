import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

// After a restore, an email the backup holds as unsent may have gone out after the backup was taken. One
// that had its Message-ID then can be looked for in the mailbox under it: it must be, before any resend
// (else the customer gets it twice). And the restored relay must not wait out the leases of the relay that
// ran when the backup was taken.

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(() => cleanup());

const ticketOf = new Map<number, number>();

async function queue(mailboxId: number, n: number): Promise<number> {
  const requester = await store.users.ensureByEmail(`restore-${n}@example.test`, null);
  const ticketId = (await store.tickets.insert({ mailboxId, subject: `Restore ${n}`, status: 'new', requesterId: requester.id, referenceTag: 'RRRRR' })).id;
  const id = await store.outbox.insert({ ticketId, mailboxId, commentId: null, kind: 'ticket_received', to: [`restore-${n}@example.test`], cc: [] });
  ticketOf.set(id, ticketId);
  return id;
}

it('has every email that had its Message-ID and is not sent looked for first, and frees the old leases', async () => {
  const mailbox = await store.mailboxes.insert('restore-outbox@contoso.test', null, 'active');
  const untouched = await queue(mailbox.id, 1);
  const [sending, sent, retrying] = [await queue(mailbox.id, 2), await queue(mailbox.id, 3), await queue(mailbox.id, 4)];
  const claimed = await store.outbox.claimDue({ owner: 'old-relay', leaseMs: 120_000, limit: 10 });
  expect(claimed.map((r) => r.id).sort()).toEqual([untouched, sending, sent, retrying].sort());
  // The old relay: one send in flight, one sent, one failed and rescheduled, one handed back untried.
  for (const id of [sending, sent, retrying]) {
    await store.outbox.assignMessageId(id, `<relaydesk.${id}@relaydesk.test>`);
    expect(await store.outbox.markAttempt(id, 'old-relay')).toBe(true);
  }
  await store.outbox.markSent(sent);
  await store.outbox.reschedule(retrying, { at: new Date(Date.now() + 60_000).toISOString(), error: 'throttled', outcomeUnknown: false });
  await store.outbox.reschedule(untouched, { at: new Date().toISOString(), error: 'stopping', outcomeUnknown: false });

  expect(await store.outbox.settleAfterRestore(new Date().toISOString())).toBe(2);
  const rows = new Map((await Promise.all([untouched, sending, sent, retrying].map(async (id) => (await store.outbox.listForTicket(ticketOf.get(id)!))[0]!))).map((r) => [r.id, r]));
  expect(Object.fromEntries([...rows].map(([id, r]) => [id, { state: r.state, outcomeUnknown: r.outcome_unknown }]))).toEqual({
    [untouched]: { state: 'pending', outcomeUnknown: 0 },
    [sending]: { state: 'sending', outcomeUnknown: 1 },
    [sent]: { state: 'sent', outcomeUnknown: 0 },
    [retrying]: { state: 'pending', outcomeUnknown: 1 },
  });
  // A new relay takes the row in flight at once, not after the old lease's 120 s.
  const taken = await store.outbox.claimDue({ owner: 'new-relay', leaseMs: 120_000, limit: 10 });
  expect(taken.map((r) => r.id)).toContain(sending);
});
