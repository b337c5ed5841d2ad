import type { Filter } from '../../../../server/inbound/filters/context';
import { FILTERS } from '../../../../server/inbound/filters';
import { authenticationResults } from '../../../../server/inbound/filters/authentication-results';
import { autoResponse } from '../../../../server/inbound/filters/auto-response';
import { bounce } from '../../../../server/inbound/filters/bounce';
import { ownNotification } from '../../../../server/inbound/filters/own-notification';
import { createSenderBurstFilter, senderBurst } from '../../../../server/inbound/filters/sender-burst';
import { threading } from '../../../../server/inbound/filters/threading';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { FilterFailedError, runFilters } from '../../../../server/inbound/filters/pipeline';
import { rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const ALL = ['trusted-headers', 'own-notification', 'bounce', 'auto-response', 'authentication-results', 'threading', 'sender-burst', 'participants', 'reply-text'];

/** FILTERS with `moved` put right before `before`: the order a careless edit could produce. */
function reordered(moved: Filter, before: Filter): Filter[] {
  const rest = FILTERS.filter((f) => f !== moved);
  rest.splice(rest.indexOf(before), 0, moved);
  return rest;
}

async function run(raw: Buffer, filters: readonly Filter[] = FILTERS) {
  const ctx = seeded.context(await inboundMailFromMime(raw));
  const result = await runFilters(ctx, await seeded.env(), filters);
  return { ctx, result };
}

describe('FILTERS', () => {
  it('run in this order', () => {
    expect(FILTERS.map((f) => f.name)).toEqual(ALL);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(FILTERS)).toBe(true);
  });

  it('attach a bounce to its ticket because bounce runs before auto-response (a DSN carries Auto-Submitted)', async () => {
    const inOrder = await run(rawFixture('dsn-bounce.eml'));
    expect(inOrder.ctx.bounce?.ticketId).toBe(1);
    expect(inOrder.ctx.suppressed).toBeNull();
    expect(inOrder.result.stoppedBy).toBe('bounce');

    const swapped = await run(rawFixture('dsn-bounce.eml'), reordered(autoResponse, bounce));
    expect(swapped.ctx.bounce).toBeNull();
    expect(swapped.ctx.suppressed?.reason).toBe('auto_response');
  });

  it('never thread our own notification onto its ticket because own-notification runs before threading', async () => {
    const inOrder = await run(rawFixture('own-notification.eml'));
    expect(inOrder.ctx.suppressed?.reason).toBe('own_notification');
    expect(inOrder.ctx.thread).toBeNull();
    expect(inOrder.result.stoppedBy).toBe('own-notification');

    const swapped = await run(rawFixture('own-notification.eml'), reordered(threading, ownNotification));
    expect(swapped.ctx.thread).toEqual({ ticketId: 1, matchedBy: 'in_reply_to' });
  });

  it('let a blocked requester reply on their own ticket because threading runs before sender-burst', async () => {
    const { store, support } = seeded;
    const carol = await store.users.ensureByEmail('carol.blocked@customer.example', null);
    await store.users.blockUntil(carol.id, new Date(Date.now() + 3_600_000).toISOString());
    const ticket = await store.tickets.insert({ mailboxId: support.id, subject: 'Scanner jams', status: 'open', requesterId: carol.id, referenceTag: 'C4R7K' });
    await store.mailMessages.insert({ mailboxId: support.id, internetMessageId: '<carol-first@customer.example>', graphMessageId: null, direction: 'inbound', ticketId: ticket.id, commentId: null, disposition: 'ticket_created', dispositionReason: null, fromAddress: carol.email, subject: null });
    const reply = variant('plain-customer.eml', {
      remove: ['From'],
      add: [`From: ${carol.email}`, 'In-Reply-To: <carol-first@customer.example>'],
      replace: [['<20250603091358.4f2a@mail.customer.example>', '<carol-reply@customer.example>']],
    });

    const inOrder = await run(reply);
    expect(inOrder.ctx.suppressed).toBeNull();
    expect(inOrder.ctx.thread?.ticketId).toBe(ticket.id);

    const swapped = await run(reply, reordered(senderBurst, threading));
    expect(swapped.ctx.suppressed?.reason).toBe('sender_blocked');
  });

  it('know a burst failed authentication before it blocks anyone because authentication-results runs before sender-burst', async () => {
    const tight = createSenderBurstFilter({ limit: 1, windowMs: 3_600_000 });
    const withTight = (filters: readonly Filter[]) => filters.map((f) => (f === senderBurst ? tight : f));
    // Bob has earlier mail recorded in the seed, so a limit of 1 makes this message a burst.
    const inOrder = await run(rawFixture('auth-dmarc-fail.eml'), withTight(FILTERS));
    expect(inOrder.ctx.suppressed?.reason).toBe('sender_burst');
    expect(inOrder.ctx.senderAuthFailure).toBe('dmarc_fail');

    const swapped = await run(rawFixture('auth-dmarc-fail.eml'), withTight(reordered(senderBurst, authenticationResults)));
    expect(swapped.ctx.suppressed?.reason).toBe('sender_burst');
    expect(swapped.ctx.senderAuthFailure).toBeNull();
  });
});

describe('runFilters', () => {
  it('runs every filter on a customer reply and fills in the thread, requester and reply text', async () => {
    const { ctx, result } = await run(rawFixture('outlook-reply.eml'));
    expect(result).toEqual({ ran: ALL, stoppedBy: null });
    expect(ctx.suppressed).toBeNull();
    expect(ctx.bounce).toBeNull();
    expect(ctx.thread).toEqual({ ticketId: 1, matchedBy: 'in_reply_to' });
    expect(ctx.requester?.address).toBe('dana.fischer@customer.example');
    expect(ctx.ccs).toEqual([]);
    expect(ctx.replyText).toBe('Hi,\n\nthe technician was here, the printer works again. You can close the ticket.\n\nBest regards\nDana');
  });

  it('makes a new ticket of a spoofed X-Relaydesk mail: the headers are ignored, the mail is not taken for ours', async () => {
    const { ctx, result } = await run(rawFixture('spoofed-relaydesk-header.eml'));
    expect(result.stoppedBy).toBeNull();
    expect(ctx.relaydesk).toEqual({ fromAccountId: null, emailId: null });
    expect(ctx.thread).toBeNull();
    expect(ctx.requester?.address).toBe('mallory@attacker.example');
  });

  it.each([
    ['an out-of-office', rawFixture('out-of-office.eml'), 'auto-response', 'auto_response'],
    ['an Exchange auto-reply', rawFixture('exchange-auto-reply.eml'), 'auto-response', 'auto_response'],
    ['a newsletter', rawFixture('newsletter.eml'), 'auto-response', 'auto_response'],
    ['a DSN about unknown mail', variant('dsn-bounce.eml', { replace: [['<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>', '<x@elsewhere.example>']] }), 'bounce', 'bounce_unmatched'],
    ['a qmail notice about unknown mail', variant('mailer-daemon-plain-notice.eml', { replace: [['<ticket-2.outbox-2.m7rt3@relaydesk.acme.test>', '<x@elsewhere.example>']] }), 'auto-response', 'auto_response'],
    ['mail from a linked mailbox', variant('plain-customer.eml', { remove: ['From'], add: ['From: sales@acme.test'] }), 'own-notification', 'mail_loop'],
    ['mail without From', variant('plain-customer.eml', { remove: ['From'] }), 'participants', 'no_sender'],
  ])('stops at the filter that suppresses %s', async (_name, raw, stoppedBy, reason) => {
    const { ctx, result } = await run(raw);
    expect(result.stoppedBy).toBe(stoppedBy);
    expect(result.ran.at(-1)).toBe(stoppedBy);
    expect(ctx.suppressed?.reason).toBe(reason);
  });

  it('names the filter that threw', async () => {
    const broken: Filter = {
      name: 'broken',
      run() {
        throw new Error('database unavailable');
      },
    };
    const error = await run(rawFixture('plain-customer.eml'), [FILTERS[0]!, broken]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FilterFailedError);
    expect((error as FilterFailedError).filter).toBe('broken');
    expect((error as FilterFailedError).code).toBe('filter_failed');
  });
});
