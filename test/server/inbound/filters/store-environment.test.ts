import { createFilterEnvironment } from '../../../../server/inbound/filters/store-environment';
import { IDS, MESSAGE_ID_DOMAIN, seedStore, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

describe('createFilterEnvironment', () => {
  it('knows the linked mailboxes, not the unlinked one', async () => {
    const env = await seeded.env();
    expect([...env.linkedAddresses].sort()).toEqual(['sales@acme.test', 'support@acme.test']);
  });

  it.each([[''], ['   '], ['not a domain'], ['<x@y>']])('refuses the Message-ID domain %j, which would disable loop detection', async (domain) => {
    await expect(createFilterEnvironment(seeded.store, { messageIdDomain: domain })).rejects.toThrow(RangeError);
  });

  it('normalises the Message-ID domain and reads the clock afresh unless one is given', async () => {
    const live = await createFilterEnvironment(seeded.store, { messageIdDomain: ' RelayDesk.Acme.Test ' });
    expect(live.messageIdDomain).toBe(MESSAGE_ID_DOMAIN);
    const before = Date.now();
    expect(live.now.getTime()).toBeGreaterThanOrEqual(before);
    const fixed = await seeded.env(new Date('2030-01-01T00:00:00Z'));
    expect(fixed.now.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it.each<[string, string[], number | null]>([
    ['an outgoing notification', [IDS.notificationTicket1], 1],
    ['the first known id in the order given', ['<unknown@x.example>', IDS.notificationTicket2, IDS.notificationTicket1], 2],
    ['an incoming message on a ticket', [IDS.customerOriginal], 1],
    ['a recorded message that made no ticket', [IDS.suppressedInbound], null],
    ['unknown ids', ['<unknown@x.example>'], null],
    ['no ids', [], null],
  ])('ticketForMessageIds: %s', async (_name, ids, ticketId) => {
    const env = await seeded.env();
    expect(await env.ticketForMessageIds(ids)).toEqual(ticketId === null ? null : { ticketId });
  });

  it.each<[string, number | null]>([
    ['1-K4QX9', 1],
    ['1-k4qx9', 1],
    ['2-M7RT3', 2],
    ['1-M7RT3', null],
    ['3-K4QX9', null],
    ['ZZZZZZZZZZZZZ-K4QX9', null],
    ['nonsense', null],
  ])('ticketForReference(%s)', async (reference, ticketId) => {
    const env = await seeded.env();
    expect(await env.ticketForReference(reference)).toEqual(ticketId === null ? null : { ticketId });
  });

  it.each<[string, string, string, boolean]>([
    ['the row and the Message-ID it was sent with', '1', IDS.notificationTicket1, true],
    ['the row with another Message-ID', '1', IDS.notificationTicket2, false],
    ['a row that does not exist', '2', IDS.notificationTicket1, false],
    ['an id with text in it', '1 or 1=1', IDS.notificationTicket1, false],
    ['an id beyond the column', '99999999999', IDS.notificationTicket1, false],
    ['a negative id', '-1', IDS.notificationTicket1, false],
  ])('outboxEmailExists: %s', async (_name, emailId, messageId, expected) => {
    const env = await seeded.env();
    expect(await env.outboxEmailExists(emailId, messageId)).toBe(expected);
  });

  it('agentIdForAddress: agents and admins, not end users or strangers', async () => {
    const env = await seeded.env();
    expect(await env.agentIdForAddress('alice.agent@acme.test')).toBe(seeded.agentId);
    expect(await env.agentIdForAddress('root.admin@acme.test')).toBe(seeded.adminId);
    expect(await env.agentIdForAddress('bob.meyer@customer.example')).toBeNull();
    expect(await env.agentIdForAddress('stranger@x.example')).toBeNull();
  });

  it('senderActivity: recent inbound messages in the window, and the block', async () => {
    const now = new Date(Date.now() + 1_000);
    const env = await seeded.env(now);
    expect(await env.senderActivity('bob.meyer@customer.example', 60_000)).toEqual({ blockedUntil: null, recentMessages: 2 });
    // Outbound mail from the support address is not the support address "sending" to us.
    expect((await env.senderActivity('support@acme.test', 60_000)).recentMessages).toBe(0);
    const later = await seeded.env(new Date(now.getTime() + 120_000));
    expect((await later.senderActivity('bob.meyer@customer.example', 60_000)).recentMessages).toBe(0);

    const until = new Date(now.getTime() + 3_600_000).toISOString();
    await seeded.store.users.blockUntil(seeded.endUserId, until);
    expect((await env.senderActivity('bob.meyer@customer.example', 60_000)).blockedUntil).toBe(until);
  });
});
