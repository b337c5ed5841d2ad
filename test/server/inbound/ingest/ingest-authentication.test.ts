import { newFilterContext } from '../../../../server/inbound/filters/context';
import { createSenderBurstFilter } from '../../../../server/inbound/filters/sender-burst';
import { FILTERS } from '../../../../server/inbound/filters';
import { ingestIn } from '../../../../server/inbound/ingest/ingest';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { runFilters } from '../../../../server/inbound/filters/pipeline';
import { filterEnvironment } from '../../../../server/inbound/filters/store-environment';
import { TicketService } from '../../../../server/tickets/ticket-service';
import { MESSAGE_ID_DOMAIN, rawFixture, seedStore, variant, type Seeded } from '../support';

/**
 * A message whose From failed our tenant's sender authentication makes a flagged ticket but no
 * acknowledgement, and a flood in a forged name does not block the name.
 */

let seeded: Seeded;
beforeEach(async () => {
  seeded = await seedStore();
});
afterEach(() => seeded.cleanup());

async function ingest(raw: Buffer, filters = FILTERS) {
  const mail = await inboundMailFromMime(raw);
  return seeded.store.transaction(async (repos) => {
    const env = filterEnvironment(repos, { messageIdDomain: MESSAGE_ID_DOMAIN, linkedAddresses: await repos.mailboxes.linkedAddresses() });
    const ctx = newFilterContext(mail, { id: seeded.support.id, address: seeded.support.address });
    await runFilters(ctx, env, filters);
    return ingestIn(repos, ctx, `graph-${mail.internetMessageId}`, { burstBlockMs: 3_600_000 });
  });
}

const acknowledgements = async (ticketId: number) => (await seeded.store.outbox.listForTicket(ticketId)).filter((r) => r.kind === 'ticket_received');

describe('ingest of mail that failed sender authentication', () => {
  it.each([
    ['dmarc=fail', 'auth-dmarc-fail.eml', 'dmarc_fail'],
    ['compauth=fail', 'auth-compauth-fail.eml', 'compauth_fail'],
    ['a fail with a forged "pass" below it', 'auth-fake-lower-pass.eml', 'dmarc_fail'],
  ])('%s: a flagged ticket with a system note, and no acknowledgement', async (_name, fixture, flag) => {
    const outcome = await ingest(rawFixture(fixture));
    if (outcome.kind !== 'ticket_created') throw new Error(`expected a ticket, got ${outcome.kind}`);
    const ticket = await new TicketService(seeded.store).get(outcome.ticketId);
    expect(ticket.senderAuthFailure).toBe(flag);
    expect(ticket.comments.map((c) => [c.visibility, c.source])).toEqual([['public', 'email'], ['internal', 'system']]);
    expect(await acknowledgements(outcome.ticketId)).toHaveLength(0);
  });

  it('a pass: an unflagged ticket, acknowledged', async () => {
    const outcome = await ingest(rawFixture('auth-pass.eml'));
    if (outcome.kind !== 'ticket_created') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect((await new TicketService(seeded.store).get(outcome.ticketId)).senderAuthFailure).toBeNull();
    expect(await acknowledgements(outcome.ticketId)).toHaveLength(1);
  });

  it('a burst in a name that failed authentication is suppressed but does not block the name', async () => {
    const tight = FILTERS.map((f) => (f.name === 'sender-burst' ? createSenderBurstFilter({ limit: 1, windowMs: 3_600_000 }) : f));
    // The seed already recorded Bob's mail, so with a limit of 1 each of these is a burst.
    const forged = await ingest(rawFixture('auth-dmarc-fail.eml'), tight);
    expect(forged).toEqual({ kind: 'suppressed', reason: 'sender_burst' });
    expect((await seeded.store.users.findByEmail('bob.meyer@customer.example'))?.blocked_until).toBeNull();

    const genuine = await ingest(variant('auth-pass.eml', { replace: [['<auth-pass-0603@mail.customer.example>', '<auth-pass-2@mail.customer.example>']] }), tight);
    expect(genuine).toEqual({ kind: 'suppressed', reason: 'sender_burst' });
    expect((await seeded.store.users.findByEmail('bob.meyer@customer.example'))?.blocked_until).not.toBeNull();
  });
});
