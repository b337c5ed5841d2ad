import { openDatabase } from '../../../server/store/database';
import type { DatabaseTarget } from '../../../server/store/database';
import type { SendPacing } from '../../../server/store/repositories/outbox';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

// The relay keeps each mailbox inside Exchange Online's sending limits by leasing no more of its outbox rows
// than the limits have room for: the rest stay queued in the outbox (not in Exchange's Outbox, where a crash
// or a settle would lose track of them).

let store: Store;
let target: DatabaseTarget;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, target, cleanup } = await openTestStore());
});
afterAll(() => cleanup());

const MINUTE: SendPacing = { messages: 3, windowMs: 60_000, recipients: 10_000, recipientWindowMs: 24 * 3600_000 };

async function ticketIn(mailboxId: number, n: number): Promise<number> {
  const requester = await store.users.ensureByEmail(`pacing-${mailboxId}-${n}@example.test`, null);
  return (await store.tickets.insert({ mailboxId, subject: `Pacing ${n}`, status: 'new', requesterId: requester.id, referenceTag: 'PPPPP' })).id;
}

async function queue(mailboxId: number, kind: 'ticket_received' | 'public_reply', to = ['someone@example.test'], cc: string[] = []): Promise<number> {
  return store.outbox.insert({ ticketId: await ticketIn(mailboxId, Math.random()), mailboxId, commentId: null, kind, to, cc });
}

/** Sends leave: each leased row is attempted and recorded as sent, as the relay does. */
async function send(owner: string, ids: number[]): Promise<void> {
  for (const id of ids) {
    expect(await store.outbox.markAttempt(id, owner)).toBe(true);
    await store.outbox.markSent(id);
  }
}

/** Moves the rows' last attempt into the past, as if the window had passed. */
async function age(ids: number[], ms: number): Promise<void> {
  const database = await openDatabase(target);
  try {
    await database.db.updateTable('outbox').set({ last_attempt_at: new Date(Date.now() - ms).toISOString() }).where('id', 'in', ids).execute();
  } finally {
    await database.close();
  }
}

describe('outbox pacing', () => {
  it("leases a mailbox's rows only as far as its message rate has room, agent replies first and each oldest first; another mailbox has its own room", async () => {
    const a = await store.mailboxes.insert('pacing-a@contoso.test', null, 'active');
    const b = await store.mailboxes.insert('pacing-b@contoso.test', null, 'active');
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await queue(a.id, 'ticket_received'));
    const reply = await queue(a.id, 'public_reply');
    const others = [await queue(b.id, 'ticket_received'), await queue(b.id, 'ticket_received')];
    const claim = async (owner: string) => (await store.outbox.claimDue({ owner, leaseMs: 60_000, limit: 50, pacing: MINUTE })).map((r) => r.id);

    const first = await claim('relay-1');
    expect(first.filter((id) => !others.includes(id))).toEqual([reply, acks[0], acks[1]]);
    expect(first.filter((id) => others.includes(id))).toEqual(others);
    // Leased rows are about to leave: they take the room even before they are attempted.
    expect(await claim('relay-2')).toEqual([]);
    await send('relay-1', first);
    expect(await claim('relay-2')).toEqual([]);
    // A minute after they left, there is room again for the next ones, oldest first.
    await age(first, 61_000);
    expect(await claim('relay-2')).toEqual([acks[2], acks[3], acks[4]]);
  });

  it('leases only as many recipients (To and Cc) as the rolling day has room for', async () => {
    const m = await store.mailboxes.insert('pacing-recipients@contoso.test', null, 'active');
    const pacing: SendPacing = { ...MINUTE, messages: 100, recipients: 4 };
    const three = await queue(m.id, 'ticket_received', ['a@example.test'], ['b@example.test', 'c@example.test']);
    const two = await queue(m.id, 'ticket_received', ['d@example.test', 'e@example.test']);
    const one = await queue(m.id, 'ticket_received', ['f@example.test']);
    const claim = async () => (await store.outbox.claimDue({ owner: 'relay-r', leaseMs: 60_000, limit: 50, pacing })).map((r) => r.id);

    // Oldest first, and the oldest that does not fit holds back the ones after it (no overtaking).
    expect(await claim()).toEqual([three]);
    await send('relay-r', [three]);
    expect(await claim()).toEqual([]);
    await age([three], 25 * 3600_000);
    expect(await claim()).toEqual([two, one]);
  });

  it("re-leases a dead relay's rows whatever the pacing: they are settled, not sent blind", async () => {
    const m = await store.mailboxes.insert('pacing-dead@contoso.test', null, 'active');
    const pacing: SendPacing = { ...MINUTE, messages: 1 };
    const rows = [await queue(m.id, 'ticket_received'), await queue(m.id, 'ticket_received')];
    const first = (await store.outbox.claimDue({ owner: 'dead', leaseMs: 1, limit: 50, pacing })).map((r) => r.id);
    expect(first).toEqual([rows[0]]);
    expect(await store.outbox.markAttempt(rows[0]!, 'dead')).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    const taken = await store.outbox.claimDue({ owner: 'heir', leaseMs: 60_000, limit: 50, pacing });
    expect(taken.map((r) => [r.id, r.outcome_unknown])).toEqual([[rows[0], 1]]);
  });
});
