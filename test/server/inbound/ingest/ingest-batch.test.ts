import pino from 'pino';
import type { Filter } from '../../../../server/inbound/filters/context';
import { FILTERS } from '../../../../server/inbound/filters';
import { ingestBatch, type BatchContext } from '../../../../server/inbound/ingest/ingest-batch';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import type { ReadMessage } from '../../../../server/inbound/sync/read-message';
import { filterEnvironment } from '../../../../server/inbound/filters/store-environment';
import { IDS, MESSAGE_ID_DOMAIN, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeEach(async () => {
  seeded = await seedStore();
});
afterEach(() => seeded.cleanup());

const NEW_ID = '<batch-new-0001@mail.customer.example>';
const REPLY_ID = '<batch-reply-0002@mail.gmail.com>';

/** Bob's printer question, as a message nobody recorded yet. */
const question = (messageId = NEW_ID) => variant('plain-customer.eml', { replace: [[IDS.customerOriginal, messageId]] });
/** Bob's answer to that question: it threads only if the question's record is visible. */
const reply = () =>
  variant('gmail-reply.eml', {
    replace: [
      [IDS.notificationTicket1, NEW_ID],
      ['<CAJx9Lq1Zt+gmail-reply-0001@mail.gmail.com>', REPLY_ID],
    ],
  });

async function read(raw: Buffer, graphId: string): Promise<ReadMessage> {
  const mail = await inboundMailFromMime(raw);
  return { kind: 'mail', message: { id: graphId, subject: mail.subject }, internetMessageId: mail.internetMessageId, mail, raw };
}

async function context(mailbox = seeded.support, filters: readonly Filter[] = FILTERS): Promise<BatchContext> {
  const linkedAddresses = await seeded.store.mailboxes.linkedAddresses();
  return {
    mailbox: { id: mailbox.id, address: mailbox.address },
    environment: (repos) => filterEnvironment(repos, { messageIdDomain: MESSAGE_ID_DOMAIN, linkedAddresses }),
    filters,
    options: { burstBlockMs: 3_600_000 },
    log: pino({ level: 'silent' }),
  };
}

/** A filter that acts on one Message-ID only; everything else passes. */
function onMessage(internetMessageId: string, act: Filter['run']): Filter {
  return { name: 'test', run: (ctx, env) => (ctx.mail.internetMessageId === internetMessageId ? act(ctx, env) : undefined) };
}

const dispositionOf = async (internetMessageId: string) => (await seeded.store.mailMessages.findByMessageIds([internetMessageId])).map((r) => r.disposition);

describe('ingestBatch', () => {
  it('threads a reply onto the ticket that an earlier message of the same batch created', async () => {
    const outcomes = await ingestBatch(seeded.store, [await read(question(), 'g-1'), await read(reply(), 'g-2')], await context());
    expect(outcomes[0]).toMatchObject({ kind: 'ticket_created' });
    const ticketId = (outcomes[0] as { ticketId: number }).ticketId;
    expect(outcomes[1]).toMatchObject({ kind: 'comment_added', ticketId });
    expect((await seeded.store.tickets.listComments(ticketId)).map((c) => c.source)).toEqual(['email', 'email']);
  });

  it('dead-letters a message whose filters or ingest fail, and records the rest of the batch', async () => {
    const failing = [
      ...FILTERS,
      onMessage('<filter-fails@mail.customer.example>', () => {
        throw new Error('filter bug');
      }),
      // A thread match onto a ticket that does not exist: the ingest of this one message fails.
      onMessage('<ingest-fails@mail.customer.example>', (ctx) => {
        ctx.thread = { ticketId: 424242, matchedBy: 'in_reply_to' };
      }),
    ];
    const batch = [await read(question('<filter-fails@mail.customer.example>'), 'g-1'), await read(question('<ingest-fails@mail.customer.example>'), 'g-2'), await read(question(), 'g-3')];
    const outcomes = await ingestBatch(seeded.store, batch, await context(seeded.support, failing));
    expect(outcomes.map((o) => o.kind)).toEqual(['dead_lettered', 'dead_lettered', 'ticket_created']);
    const letters = await seeded.store.deadLetters.list({ state: 'open', limit: 10 });
    expect(letters.map((l) => [l.internet_message_id, l.reason_code]).sort()).toEqual([
      ['<filter-fails@mail.customer.example>', 'filter_failed'],
      ['<ingest-fails@mail.customer.example>', 'ingest_failed'],
    ]);
    // The failed ingest left nothing behind but its dead letter: no ticket, no comment, no outbox row.
    expect(await dispositionOf('<ingest-fails@mail.customer.example>')).toEqual(['dead_letter']);
    expect(await dispositionOf(NEW_ID)).toEqual(['ticket_created']);
  });

  it('rolls the whole batch back on a database error, so the next sync takes all of it up again', async () => {
    const outage = onMessage(REPLY_ID, () => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    });
    const batch = [await read(question(), 'g-1'), await read(reply(), 'g-2')];
    await expect(ingestBatch(seeded.store, batch, await context(seeded.support, [...FILTERS, outage]))).rejects.toThrow('disk I/O error');
    expect(await dispositionOf(NEW_ID)).toEqual([]);
    expect(await seeded.store.deadLetters.list({ state: 'open', limit: 10 })).toEqual([]);

    const again = await ingestBatch(seeded.store, batch, await context());
    expect(again.map((o) => o.kind)).toEqual(['ticket_created', 'comment_added']);
  });

  it('runs a batch again when it lost a deadlock to another transaction, and gives up when that keeps happening', async () => {
    let conflicts = 1;
    const deadlockOnce = onMessage(REPLY_ID, () => {
      if (conflicts-- > 0) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    });
    const batch = [await read(question(), 'g-1'), await read(reply(), 'g-2')];
    const outcomes = await ingestBatch(seeded.store, batch, await context(seeded.support, [...FILTERS, deadlockOnce]));
    expect(outcomes.map((o) => o.kind)).toEqual(['ticket_created', 'comment_added']);
    expect(await dispositionOf(NEW_ID)).toEqual(['ticket_created']);

    const alwaysDeadlocked = onMessage('<other@mail.customer.example>', () => {
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    });
    await expect(ingestBatch(seeded.store, [await read(question('<other@mail.customer.example>'), 'g-3')], await context(seeded.support, [...FILTERS, alwaysDeadlocked]))).rejects.toThrow('deadlock detected');
    expect(await dispositionOf('<other@mail.customer.example>')).toEqual([]);
  });

  it('records a message listed twice in one batch once', async () => {
    const outcomes = await ingestBatch(seeded.store, [await read(question(), 'g-1'), await read(question(), 'g-1-copy')], await context());
    expect(outcomes.map((o) => o.kind)).toEqual(['ticket_created', 'already_recorded']);
    expect(await dispositionOf(NEW_ID)).toEqual(['ticket_created']);
  });

  it('makes a message that another mailbox recorded between the check and the insert a duplicate, undoing its ticket', async () => {
    const [first] = await ingestBatch(seeded.store, [await read(question(), 'g-support')], await context(seeded.support));
    const ticketsBefore = (await seeded.store.tickets.search({ limit: 1000 })).length;
    const sales = await context(seeded.sales);
    // The race: the sales sync's first look does not yet see the support mailbox's record.
    const racing: BatchContext = {
      ...sales,
      environment: (repos) => {
        const find = repos.mailMessages.findByMessageIds.bind(repos.mailMessages);
        let hidden = false;
        jest.spyOn(repos.mailMessages, 'findByMessageIds').mockImplementation((ids) => {
          if (hidden || ids.length !== 1 || ids[0] !== NEW_ID) return find(ids);
          hidden = true;
          return Promise.resolve([]);
        });
        return sales.environment(repos);
      },
    };
    const [second] = await ingestBatch(seeded.store, [await read(question(), 'g-sales')], racing);
    expect(second).toEqual({ kind: 'duplicate_of_other_mailbox', ticketId: (first as { ticketId: number }).ticketId });
    expect((await seeded.store.tickets.search({ limit: 1000 })).length).toBe(ticketsBefore);
    const records = await seeded.store.mailMessages.findByMessageIds([NEW_ID]);
    expect(records.map((r) => [r.mailbox_id, r.disposition])).toEqual([
      [seeded.support.id, 'ticket_created'],
      [seeded.sales.id, 'duplicate'],
    ]);
  });

  it('keeps a dead letter of an email another mailbox already recorded as a duplicate of that record', async () => {
    const [first] = await ingestBatch(seeded.store, [await read(question(), 'g-support')], await context(seeded.support));
    const unreadable: ReadMessage = { kind: 'dead_letter', message: { id: 'g-sales' }, internetMessageId: NEW_ID, raw: Buffer.from('x'), reasonCode: 'parse_failed', reason: 'bad MIME' };
    const [second] = await ingestBatch(seeded.store, [unreadable], await context(seeded.sales));
    expect(second).toMatchObject({ kind: 'dead_lettered' });
    const records = await seeded.store.mailMessages.findByMessageIds([NEW_ID]);
    expect(records.map((r) => [r.mailbox_id, r.disposition, r.ticket_id])).toEqual([
      [seeded.support.id, 'ticket_created', (first as { ticketId: number }).ticketId],
      [seeded.sales.id, 'duplicate', (first as { ticketId: number }).ticketId],
    ]);
    expect(records[1]!.disposition_reason).toMatch(/^parse_failed: dead letter \d+; first received in mailbox \d+$/);
  });
});
