import type { Store } from '../../../server/store/store';
import type { UserRow } from '../../../server/store/schema';
import { TicketService } from '../../../server/tickets/ticket-service';
import { openTestStore } from '../../support/database';

/**
 * An agent's public reply is never dropped without a word: a requester blocked for bursting (perhaps by a
 * flood someone sent in their name) still gets it, and a recipient who cannot be emailed is named in a
 * coded warning.
 */

let store: Store;
let cleanup: () => Promise<void>;
let agent: UserRow;
let mailboxId: number;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  mailboxId = (await store.mailboxes.insert('support@acme.test', 'Acme Support', 'active')).id;
  agent = await store.users.ensureStaff({ externalId: 'tid:oid-alice', email: 'alice.agent@acme.test', displayName: 'Alice', role: 'agent' });
});
afterAll(() => cleanup());

async function ticketFor(email: string, state: 'blocked' | 'undeliverable' | 'fine') {
  const requester = await store.users.ensureByEmail(email, null);
  if (state === 'blocked') await store.users.blockUntil(requester.id, new Date(Date.now() + 3_600_000).toISOString());
  if (state === 'undeliverable') await store.users.markUndeliverable(email, '550 5.1.1 user unknown');
  return store.tickets.insert({ mailboxId, subject: 'Help', status: 'open', requesterId: requester.id, referenceTag: 'ABCDE' });
}

const queuedTo = async (ticketId: number) => (await store.outbox.listForTicket(ticketId)).map((r) => r.recipients.to);

describe('an agent reply', () => {
  it('reaches a requester blocked for bursting, without a warning', async () => {
    const ticket = await ticketFor('flooded@customer.example', 'blocked');
    const result = await new TicketService(store).addComment(ticket.id, agent, { body: 'We are on it.', visibility: 'public' });
    expect(result.warnings).toEqual([]);
    expect(await queuedTo(ticket.id)).toEqual([['flooded@customer.example']]);
  });

  it.each([
    ['an address that bounced', 'gone@customer.example', 'undeliverable', 'recipient_undeliverable'],
    ['a robot address', 'noreply@customer.example', 'fine', 'recipient_unattended'],
  ] as const)('to %s: nothing queued, and a coded warning names the recipient', async (_name, email, state, code) => {
    const ticket = await ticketFor(email, state);
    const result = await new TicketService(store).addComment(ticket.id, agent, { body: 'Hello?', visibility: 'public' });
    expect(result.warnings).toEqual([{ email, code }]);
    expect(await queuedTo(ticket.id)).toEqual([]);
  });
});
