import { applyEndUserReply } from '../../../server/tickets/end-user-reply';
import type { Store } from '../../../server/store/store';
import type { TicketStatus } from '../../../server/tickets/ticket-status';
import { openTestStore } from '../../support/database';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(() => cleanup());

async function ticketIn(status: TicketStatus) {
  const mailbox = await store.mailboxes.insert(`support-${status}@contoso.test`, null, 'active');
  const requester = await store.users.ensureByEmail(`customer-${status}@example.test`, null);
  const ticket = await store.tickets.insert({ mailboxId: mailbox.id, subject: `A ${status} ticket`, status, requesterId: requester.id, referenceTag: 'ABCDE' });
  const cc = await store.users.ensureByEmail(`cc-${status}@example.test`, null);
  await store.tickets.addParticipant(ticket.id, cc.id, 'cc');
  // As it is after the setup: adding the CC made a new version.
  return { ticket: (await store.tickets.findById(ticket.id))!, requester, cc };
}

describe('a customer reply', () => {
  it.each([
    ['pending', 'open'],
    ['solved', 'open'],
    ['hold', 'hold'],
    ['open', 'open'],
    ['new', 'new'],
  ] as const)('to a %s ticket adds a public comment and leaves it %s', async (from, to) => {
    const { ticket, requester } = await ticketIn(from);
    const result = await store.transaction((repos) => applyEndUserReply(repos, { ticketId: ticket.id, authorId: requester.id, bodyText: 'Any news?' }));
    expect(result).toEqual({ ticketId: ticket.id, commentId: expect.any(Number), followUpOf: null });
    expect((await store.tickets.findById(ticket.id))?.status).toBe(to);
    const comments = await store.tickets.listComments(ticket.id);
    expect(comments.map((c) => [c.visibility, c.source, c.body_text])).toEqual([['public', 'email', 'Any news?']]);
  });

  it('to a closed ticket starts a linked follow-up with the same requester, mailbox and CCs', async () => {
    const { ticket, requester, cc } = await ticketIn('closed');
    const result = await store.transaction((repos) => applyEndUserReply(repos, { ticketId: ticket.id, authorId: requester.id, bodyText: 'It broke again' }));
    expect(result.followUpOf).toBe(ticket.id);
    expect(result.ticketId).not.toBe(ticket.id);

    const followUp = await store.tickets.findById(result.ticketId);
    expect(followUp).toMatchObject({ status: 'new', follow_up_of_id: ticket.id, requester_id: requester.id, mailbox_id: ticket.mailbox_id });
    expect((await store.tickets.listParticipants(result.ticketId)).map((p) => p.user_id)).toEqual([cc.id]);
    // The closed ticket itself is never touched again.
    expect(await store.tickets.findById(ticket.id)).toEqual(ticket);
    expect(await store.tickets.listComments(ticket.id)).toEqual([]);
  });

  it('to a ticket that does not exist fails with not_found and writes nothing', async () => {
    const requester = await store.users.ensureByEmail('ghost@example.test', null);
    await expect(store.transaction((repos) => applyEndUserReply(repos, { ticketId: 999_999, authorId: requester.id, bodyText: 'x' }))).rejects.toMatchObject({ code: 'not_found' });
  });
});
