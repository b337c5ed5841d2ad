import { createSenderBurstFilter, senderBurst } from '../../../../server/inbound/filters/sender-burst';
import { SENDER_BLOCK_MS } from '../../../../server/inbound/sender-burst-policy';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
const FLOOD = 'flood@burst.example';
const BLOCKED = 'blocked@burst.example';
const WAS_BLOCKED = 'was-blocked@burst.example';

beforeAll(async () => {
  seeded = await seedStore();
  const { store, support } = seeded;
  for (let i = 0; i < 3; i++) {
    await store.mailMessages.insert({
      mailboxId: support.id,
      internetMessageId: `<flood-${i}@burst.example>`,
      graphMessageId: null,
      direction: 'inbound',
      ticketId: null,
      commentId: null,
      disposition: 'ticket_created',
      dispositionReason: null,
      fromAddress: FLOOD,
      subject: null,
    });
  }
  const blocked = await store.users.ensureByEmail(BLOCKED, null);
  await store.users.blockUntil(blocked.id, new Date(Date.now() + SENDER_BLOCK_MS).toISOString());
  const wasBlocked = await store.users.ensureByEmail(WAS_BLOCKED, null);
  await store.users.blockUntil(wasBlocked.id, new Date(Date.now() - 60_000).toISOString());
});
afterAll(() => seeded.cleanup());

const from = (address: string) => inboundMailFromMime(variant('plain-customer.eml', { remove: ['From'], add: [`From: ${address}`] }));

describe('sender-burst', () => {
  const threeAllowed = createSenderBurstFilter({ limit: 3, windowMs: 60_000 });
  const fourAllowed = createSenderBurstFilter({ limit: 4, windowMs: 60_000 });

  it.each([
    ['the 4th message in the window with a limit of 3', threeAllowed, FLOOD, 0, { reason: 'sender_burst', detail: 'recent=3 limit=3 window_ms=60000' }],
    ['the 4th message with a limit of 4', fourAllowed, FLOOD, 0, null],
    ['the same sender once the window has passed', threeAllowed, FLOOD, 120_000, null],
    ['3 messages under the default limit', senderBurst, FLOOD, 0, null],
    ['a sender blocked until later', senderBurst, BLOCKED, 0, { reason: 'sender_blocked', detail: expect.stringMatching(/^until=\d{4}-/) as unknown as string }],
    ['a sender whose block has expired', senderBurst, WAS_BLOCKED, 0, null],
    ['a sender with no history', threeAllowed, 'new@burst.example', 0, null],
  ])('%s', async (_name, filter, address, laterMs, expected) => {
    const ctx = seeded.context(await from(address));
    await filter.run(ctx, await seeded.env(new Date(Date.now() + 1_000 + laterMs)));
    expect(ctx.suppressed).toEqual(expected);
  });

  it.each([
    ['the requester of the ticket the reply threads onto', 'requester', null],
    ['a CC of that ticket', 'cc', null],
    ['someone who is not on that ticket', 'stranger', 'sender_blocked'],
  ])('on a reply, a blocked sender who is %s: %s', async (_name, role, expected) => {
    const { store, support } = seeded;
    const address = `${role}-replying@burst.example`;
    const user = await store.users.ensureByEmail(address, null);
    await store.users.blockUntil(user.id, new Date(Date.now() + SENDER_BLOCK_MS).toISOString());
    const owner = role === 'requester' ? user : await store.users.ensureByEmail(`owner-of-${role}@burst.example`, null);
    const ticket = await store.tickets.insert({ mailboxId: support.id, subject: 'Burst', status: 'open', requesterId: owner.id, referenceTag: 'B5R7T' });
    if (role === 'cc') await store.tickets.addParticipant(ticket.id, user.id, 'cc');
    const ctx = seeded.context(await from(address));
    ctx.thread = { ticketId: ticket.id, matchedBy: 'in_reply_to' };
    await senderBurst.run(ctx, await seeded.env());
    expect(ctx.suppressed?.reason ?? null).toBe(expected);
  });

  it('lets mail without a From through (participants suppresses it as no_sender)', async () => {
    const ctx = seeded.context(await inboundMailFromMime(variant('plain-customer.eml', { remove: ['From'] })));
    await threeAllowed.run(ctx, await seeded.env());
    expect(ctx.suppressed).toBeNull();
  });

  it('refuses limits the policy refuses, when the filter is built rather than on the first mail', () => {
    expect(() => createSenderBurstFilter({ limit: 0 })).toThrow(RangeError);
  });
});
