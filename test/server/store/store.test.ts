import { migrateToLatest, pendingMigrations } from '../../../server/store/migrate';
import { openDatabase } from '../../../server/store/database';
import type { Store } from '../../../server/store/store';
import type { DatabaseTarget } from '../../../server/store/database';
import { RecordedConcurrentlyError } from '../../../server/store/errors';
import { isUniqueViolation } from '../../../server/store/sql-helpers';
import { openTestStore } from '../../support/database';

let store: Store;
let target: DatabaseTarget;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, target, cleanup } = await openTestStore());
});
afterAll(() => cleanup());

async function newTicket(subject: string, requesterEmail = 'requester@example.test') {
  const requester = await store.users.ensureByEmail(requesterEmail, null);
  return store.tickets.insert({ mailboxId: null, subject, status: 'new', requesterId: requester.id, referenceTag: 'AAAAA' });
}

describe('migrations', () => {
  it('leave nothing pending and do nothing when run again', async () => {
    const database = await openDatabase(target);
    try {
      expect(await pendingMigrations(database)).toEqual([]);
      expect(await migrateToLatest(database)).toEqual([]);
    } finally {
      await database.close();
    }
    await expect(store.checkReady()).resolves.toEqual({ pendingMigrations: [] });
  });
});

describe('users', () => {
  it('keeps one row per address, case-insensitively, and fills in a missing name', async () => {
    const first = await store.users.ensureByEmail('Pat@Example.test', null);
    const again = await store.users.ensureByEmail('pat@example.TEST', 'Pat Doe');
    expect(again.id).toBe(first.id);
    expect(again.email).toBe('pat@example.test');
    expect(again.display_name).toBe('Pat Doe');
    expect(first.role).toBe('end_user');
  });

  it('promotes an end user who turns out to be an agent, keyed by object id afterwards', async () => {
    const asCustomer = await store.users.ensureByEmail('sam@contoso.test', null);
    const asAgent = await store.users.ensureStaff({ externalId: 'tid:oid-sam', email: 'sam@contoso.test', displayName: 'Sam', role: 'agent' });
    expect(asAgent.id).toBe(asCustomer.id);
    expect(asAgent.role).toBe('agent');
    // A renamed UPN still maps to the same person through the object id.
    const renamed = await store.users.ensureStaff({ externalId: 'tid:oid-sam', email: 'samuel@contoso.test', displayName: 'Sam', role: 'admin' });
    expect(renamed.id).toBe(asCustomer.id);
    expect(renamed.role).toBe('admin');
  });

  it('survives two first requests of the same agent at once', async () => {
    const identity = { externalId: 'tid:oid-race', email: 'race@contoso.test', displayName: 'Race', role: 'agent' as const };
    const [a, b] = await Promise.all([store.users.ensureStaff(identity), store.users.ensureStaff(identity)]);
    expect(a.id).toBe(b.id);
  });
});

describe('tickets', () => {
  it('searches by status, requester and text, newest first, with literal wildcards', async () => {
    const a = await newTicket('Printer on fire', 'alice@example.test');
    const b = await newTicket('100% discount_code broken', 'bob@example.test');
    await store.tickets.update(b.id, { status: 'pending' });
    const agent = await store.users.ensureStaff({ externalId: 'x:1', email: 'agent1@contoso.test', displayName: null, role: 'agent' });
    await store.tickets.addComment({ ticketId: a.id, authorId: agent.id, visibility: 'internal', source: 'api', bodyText: 'Toner smells of SMOKE' });

    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
    expect(ids(await store.tickets.search({ text: 'smoke', limit: 10 }))).toEqual([a.id]);
    expect(ids(await store.tickets.search({ text: '100%', limit: 10 }))).toEqual([b.id]);
    expect(ids(await store.tickets.search({ text: '_', limit: 10 }))).toEqual([b.id]);
    expect(ids(await store.tickets.search({ text: '%', limit: 10 }))).toEqual([b.id]);
    expect(ids(await store.tickets.search({ statuses: ['pending'], limit: 10 }))).toContain(b.id);
    expect(ids(await store.tickets.search({ statuses: ['pending'], limit: 10 }))).not.toContain(a.id);
    expect(ids(await store.tickets.search({ requesterEmail: 'ALICE@example.test', limit: 10 }))).toEqual([a.id]);
    const newestFirst = ids(await store.tickets.search({ limit: 2 }));
    expect(newestFirst[0]).toBeGreaterThan(newestFirst[1]!);
  });

  it('records each participant once per kind and counts CCs', async () => {
    const t = await newTicket('CC me');
    const cc = await store.users.ensureByEmail('cc@example.test', null);
    expect(await store.tickets.addParticipant(t.id, cc.id, 'cc')).toBe(true);
    expect(await store.tickets.addParticipant(t.id, cc.id, 'cc')).toBe(false);
    expect(await store.tickets.countParticipants(t.id, 'cc')).toBe(1);
    expect(await store.tickets.removeParticipant(t.id, cc.id, 'cc')).toBe(true);
    expect(await store.tickets.removeParticipant(t.id, cc.id, 'cc')).toBe(false);
  });

  it("finds one of a ticket's comments with its author, and none of another ticket's", async () => {
    const t = await newTicket('Comments', 'commenter@example.test');
    const other = await newTicket('Other comments');
    const author = await store.users.ensureByEmail('commenter@example.test', 'Cam Commenter');
    const first = await store.tickets.addComment({ ticketId: t.id, authorId: author.id, visibility: 'public', source: 'email', bodyText: 'first' });
    const second = await store.tickets.addComment({ ticketId: t.id, authorId: author.id, visibility: 'internal', source: 'api', bodyText: 'second' });
    expect(await store.tickets.findComment(t.id, second.id)).toMatchObject({ id: second.id, body_text: 'second', author_email: 'commenter@example.test', author_name: 'Cam Commenter' });
    expect(await store.tickets.findComment(t.id, first.id)).toMatchObject({ body_text: 'first' });
    expect(await store.tickets.findComment(other.id, first.id)).toBeUndefined();
  });

  it('rolls a transaction back entirely when it throws', async () => {
    const before = (await store.tickets.search({ limit: 1000 })).length;
    await expect(
      store.transaction(async (repos) => {
        const requester = await repos.users.ensureByEmail('rollback@example.test', null);
        await repos.tickets.insert({ mailboxId: null, subject: 'never', status: 'new', requesterId: requester.id, referenceTag: 'BBBBB' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.tickets.search({ limit: 1000 })).length).toBe(before);
    expect(await store.users.findByEmail('rollback@example.test')).toBeUndefined();
  });

  it('undoes only the failed part of a transaction under a savepoint, even after a constraint violation', async () => {
    const subjects = await store.transaction(async (repos) => {
      const requester = await repos.users.ensureByEmail('savepoint@example.test', null);
      const kept = await repos.tickets.insert({ mailboxId: null, subject: 'kept', status: 'new', requesterId: requester.id, referenceTag: 'CCCCC' });
      const failure = await repos
        .atomically(async () => {
          await repos.tickets.insert({ mailboxId: null, subject: 'undone', status: 'new', requesterId: requester.id, referenceTag: 'DDDDD' });
          // A constraint violation: PostgreSQL refuses every later statement of the transaction unless it rolls back to the savepoint.
          // @ts-expect-error: an unknown status, refused by the database
          await repos.tickets.update(kept.id, { status: 'archived' });
        })
        .then(() => undefined, (e: { code?: string }) => e.code);
      expect(['SQLITE_CONSTRAINT_CHECK', '23514']).toContain(failure);
      await repos.atomically(() => repos.tickets.update(kept.id, { subject: 'kept and renamed' }));
      return (await repos.tickets.search({ requesterEmail: 'savepoint@example.test', limit: 10 })).map((t) => t.subject);
    });
    expect(subjects).toEqual(['kept and renamed']);
    expect((await store.tickets.search({ requesterEmail: 'savepoint@example.test', limit: 10 })).map((t) => t.subject)).toEqual(['kept and renamed']);
  });

  it('offers a savepoint only inside a transaction', async () => {
    // @ts-expect-error: outside a transaction there is nothing to roll back to, so the Store has no atomically()
    expect(store.atomically).toBeUndefined();
    await store.transaction(async (repos) => expect(await repos.atomically(async () => 1)).toBe(1));
  });

  it('refuses a status the schema does not know', async () => {
    const t = await newTicket('Bad status');
    // @ts-expect-error: proving the database, not only the types, guards the status column
    const error = await store.tickets.update(t.id, { status: 'archived' }).then(() => undefined, (e: { code?: string }) => e);
    expect(['SQLITE_CONSTRAINT_CHECK', '23514']).toContain(error?.code);
  });
});

describe('ticket versions', () => {
  const versionOf = async (id: number) => (await store.tickets.versionOf(id))!;

  it('start at 1 and go up with every write that changes what the ticket shows, and with nothing else', async () => {
    const t = await newTicket('Versioned');
    expect(t.version).toBe(1);
    const agent = await store.users.ensureStaff({ externalId: 'tid:oid-version', email: 'version-agent@contoso.test', displayName: 'V', role: 'agent' });
    const cc = await store.users.ensureByEmail('version-cc@example.test', null);
    const steps: [string, () => Promise<unknown>, boolean][] = [
      ['status', () => store.tickets.update(t.id, { status: 'open' }), true],
      ['assignee', () => store.tickets.update(t.id, { assignee_id: agent.id }), true],
      ['comment', () => store.tickets.addComment({ ticketId: t.id, authorId: agent.id, visibility: 'internal', source: 'system', bodyText: 'note' }), true],
      ['cc added', () => store.tickets.addParticipant(t.id, cc.id, 'cc'), true],
      ['the same cc again', () => store.tickets.addParticipant(t.id, cc.id, 'cc'), false],
      ['cc removed', () => store.tickets.removeParticipant(t.id, cc.id, 'cc'), true],
      ['a cc who is not one', () => store.tickets.removeParticipant(t.id, cc.id, 'cc'), false],
      ['an upload held for a reply', () => store.attachments.insertUpload({ ticketId: t.id, uploadedBy: agent.id, filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('a') }), false],
    ];
    for (const [name, step, changes] of steps) {
      const before = await versionOf(t.id);
      await step();
      expect({ name, grew: (await versionOf(t.id)) > before }).toEqual({ name, grew: changes });
    }
  });

  it('go up when a comment takes a held upload, and not when it takes nothing', async () => {
    const t = await newTicket('Upload taken');
    const agent = await store.users.ensureStaff({ externalId: 'tid:oid-version-2', email: 'version-agent-2@contoso.test', displayName: 'V2', role: 'agent' });
    const upload = await store.attachments.insertUpload({ ticketId: t.id, uploadedBy: agent.id, filename: 'b.txt', contentType: 'text/plain', content: Buffer.from('b') });
    const comment = await store.tickets.addComment({ ticketId: t.id, authorId: agent.id, visibility: 'public', source: 'api', bodyText: 'see file' });
    const before = await versionOf(t.id);
    expect(await store.attachments.takeForComment({ ticketId: t.id, commentId: comment.id, ids: [] })).toBe(0);
    expect(await versionOf(t.id)).toBe(before);
    expect(await store.attachments.takeForComment({ ticketId: t.id, commentId: comment.id, ids: [upload] })).toBe(1);
    expect(await versionOf(t.id)).toBe(before + 1);
  });

  it('are undone with the transaction that made them', async () => {
    const t = await newTicket('Rolled back');
    const before = await versionOf(t.id);
    await expect(
      store.transaction(async (repos) => {
        await repos.tickets.update(t.id, { status: 'open' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await versionOf(t.id)).toBe(before);
    expect(await store.tickets.versionOf(987654321)).toBeUndefined();
  });
});

describe('mail messages', () => {
  it("tells which of a listing's Message-IDs a mailbox recorded, however long the listing", async () => {
    const mailbox = await store.mailboxes.insert('recorded@example.test', null, 'active');
    const other = await store.mailboxes.insert('recorded-other@example.test', null, 'active');
    const record = (mailboxId: number, internetMessageId: string) =>
      store.mailMessages.insert({ mailboxId, internetMessageId, graphMessageId: null, direction: 'inbound', ticketId: null, commentId: null, disposition: 'suppressed', dispositionReason: null, fromAddress: null, subject: null });
    await record(mailbox.id, '<1@example.test>');
    await record(mailbox.id, '<1200@example.test>');
    // Recorded by another mailbox only: not this mailbox's.
    await record(other.id, '<2@example.test>');
    const listing = Array.from({ length: 1200 }, (_, i) => `<${i + 1}@example.test>`);
    expect([...(await store.mailMessages.recordedIn(mailbox.id, listing))].sort()).toEqual(['<1200@example.test>', '<1@example.test>']);
    expect(await store.mailMessages.recordedIn(mailbox.id, [])).toEqual(new Set());
  });

  it('raises RecordedConcurrentlyError, not a dialect\'s code, when a record that must be first is not', async () => {
    const mailbox = await store.mailboxes.insert('first@example.test', null, 'active');
    const other = await store.mailboxes.insert('first-other@example.test', null, 'active');
    const message = (mailboxId: number, disposition: string) =>
      ({ mailboxId, internetMessageId: '<first@example.test>', graphMessageId: null, direction: 'inbound', ticketId: null, commentId: null, disposition, dispositionReason: null, fromAddress: null, subject: null }) as const;
    await store.mailMessages.record(message(mailbox.id, 'suppressed'));
    // The same mailbox again, and another mailbox's second primary record of the same email.
    for (const again of [message(mailbox.id, 'suppressed'), message(other.id, 'ticket_created')]) {
      const error: unknown = await store.transaction((repos) => repos.atomically(() => repos.mailMessages.record(again))).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(RecordedConcurrentlyError);
    }
    // A duplicate is what the loser records instead; insert() tells "already recorded" by returning nothing.
    expect(await store.mailMessages.insert(message(other.id, 'duplicate'))).toMatchObject({ disposition: 'duplicate' });
    expect(await store.mailMessages.insert(message(mailbox.id, 'suppressed'))).toBeUndefined();
  });
});

describe('outbox leases', () => {
  it('flags a row outcome-unknown only once its send left, and lets only the lease holder record an attempt', async () => {
    const ticket = await newTicket('Outbox leases');
    const mailbox = await store.mailboxes.insert('outbox-leases@example.test', null, 'active');
    const queue = () => store.outbox.insert({ ticketId: ticket.id, mailboxId: mailbox.id, commentId: null, kind: 'ticket_received', to: ['requester@example.test'], cc: [] });
    const dispatched = await queue();
    const waiting = await queue();
    const claim = (owner: string, leaseMs = 60_000) => store.outbox.claimDue({ owner, leaseMs, limit: 10 });
    const rowsById = async () => new Map((await store.outbox.listForTicket(ticket.id)).map((r) => [r.id, r]));

    expect((await claim('relay-a', 1)).map((r) => r.id)).toEqual([dispatched, waiting]);
    expect(await store.outbox.markAttempt(dispatched, 'relay-b')).toBe(false);
    expect(await store.outbox.markAttempt(dispatched, 'relay-a')).toBe(true);
    expect((await rowsById()).get(dispatched)).toMatchObject({ attempts: 1, outcome_unknown: 1 });

    // relay-a dies; its lease runs out and relay-b takes both rows over.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const taken = new Map((await claim('relay-b')).map((r) => [r.id, r]));
    expect(taken.get(dispatched)).toMatchObject({ outcome_unknown: 1, lease_owner: 'relay-b' });
    expect(taken.get(waiting)).toMatchObject({ outcome_unknown: 0, attempts: 0, lease_owner: 'relay-b' });
    expect(await store.outbox.markAttempt(waiting, 'relay-a')).toBe(false);
    expect(await claim('relay-c')).toEqual([]);
  });
});

describe('outbox rows', () => {
  it('hands out recipients parsed, and what composing the email reads, in one call', async () => {
    const requester = await store.users.ensureByEmail('compose@example.test', 'Cora Compose');
    const mailbox = await store.mailboxes.insert('compose-box@example.test', null, 'active');
    const elsewhere = await store.mailboxes.insert('compose-other@example.test', null, 'active');
    const ticket = await store.tickets.insert({ mailboxId: mailbox.id, subject: 'Compose me', status: 'new', requesterId: requester.id, referenceTag: 'EEEEE' });
    const agent = await store.users.ensureStaff({ externalId: 'x:compose', email: 'agent-compose@contoso.test', displayName: 'Ada Agent', role: 'agent' });
    const reply = await store.tickets.addComment({ ticketId: ticket.id, authorId: agent.id, visibility: 'public', source: 'api', bodyText: 'On it' });
    const otherTicket = await newTicket('Not this one');
    const otherComment = await store.tickets.addComment({ ticketId: otherTicket.id, authorId: agent.id, visibility: 'public', source: 'api', bodyText: 'Not quoted' });
    const record = (mailboxId: number, internetMessageId: string, direction: 'inbound' | 'outbound', disposition: string) =>
      store.mailMessages.insert({ mailboxId, internetMessageId, graphMessageId: null, direction, ticketId: ticket.id, commentId: null, disposition, dispositionReason: null, fromAddress: null, subject: null });
    await record(mailbox.id, '<in-1@customer.test>', 'inbound', 'ticket_created');
    await record(mailbox.id, '<out-1@relaydesk.test>', 'outbound', 'sent');
    // The same email reached another mailbox too: that copy is not part of the thread.
    await record(elsewhere.id, '<in-1@customer.test>', 'inbound', 'duplicate');
    const queue = (kind: 'public_reply' | 'ticket_received', commentId: number | null) =>
      store.outbox.insert({ ticketId: ticket.id, mailboxId: mailbox.id, commentId, kind, to: ['compose@example.test'], cc: ['cc@example.test'] });

    const id = await queue('public_reply', reply.id);
    expect((await store.outbox.listForTicket(ticket.id)).find((r) => r.id === id)).toMatchObject({ kind: 'public_reply', recipients: { to: ['compose@example.test'], cc: ['cc@example.test'] } });
    expect(await store.outbox.findComposeSource(id)).toEqual({
      ticket: { id: ticket.id, subject: 'Compose me', referenceTag: 'EEEEE' },
      requester: { email: 'compose@example.test', displayName: 'Cora Compose' },
      comment: { bodyText: 'On it', authorName: 'Ada Agent' },
      thread: [
        { internetMessageId: '<in-1@customer.test>', direction: 'inbound' },
        { internetMessageId: '<out-1@relaydesk.test>', direction: 'outbound' },
      ],
    });
    // An acknowledgement quotes no comment, and a comment of another ticket is never quoted.
    expect((await store.outbox.findComposeSource(await queue('ticket_received', null)))?.comment).toBeNull();
    expect((await store.outbox.findComposeSource(await queue('public_reply', otherComment.id)))?.comment).toBeNull();
    expect(await store.outbox.findComposeSource(999_999)).toBeUndefined();
  });

  it('fails a row whose recipients no code could have written, and still claims the rows beside it', async () => {
    const t = await newTicket('Malformed recipients');
    const mailbox = await store.mailboxes.insert('malformed@example.test', null, 'active');
    const queue = () => store.outbox.insert({ ticketId: t.id, mailboxId: mailbox.id, commentId: null, kind: 'ticket_received', to: ['requester@example.test'], cc: [] });
    const bad = await queue();
    const good = await queue();
    const database = await openDatabase(target);
    try {
      await database.db.updateTable('outbox').set({ recipients: '{"to":"requester@example.test"}' }).where('id', '=', bad).execute();
      const claimed = (await store.outbox.claimDue({ owner: 'relay-m', leaseMs: 60_000, limit: 100 })).map((r) => r.id);
      expect(claimed).toContain(good);
      expect(claimed).not.toContain(bad);
      const row = await database.db.selectFrom('outbox').select(['state', 'last_error']).where('id', '=', bad).executeTakeFirstOrThrow();
      expect(row.state).toBe('failed');
      expect(row.last_error).toMatch(/^malformed_row: /);
    } finally {
      await database.close();
    }
  });
});

describe('sync leases', () => {
  it('lets one instance hold a mailbox, resumes it at once after that instance restarts, and frees it when the lease expires', async () => {
    const m = await store.mailboxes.insert('leased@contoso.test', null, 'active');
    const claim = (owner: string, extra: { excludeIds?: number[]; leaseMs?: number } = {}) =>
      store.mailboxes.claimForSync({ owner, leaseMs: extra.leaseMs ?? 60_000, dueBefore: new Date(Date.now() + 1000).toISOString(), limit: 10, onlyId: m.id, ...(extra.excludeIds ? { excludeIds: extra.excludeIds } : {}) });
    expect((await claim('host:1')).map((r) => r.id)).toEqual([m.id]);
    expect(await claim('host:2')).toEqual([]);
    // The same instance after a restart: no waiting for its own lease, unless it is syncing it right now.
    expect((await claim('host:1')).map((r) => r.id)).toEqual([m.id]);
    expect(await claim('host:1', { excludeIds: [m.id] })).toEqual([]);
    expect(await store.mailboxes.renewLease(m.id, 'host:2', 60_000)).toBe(false);
    await claim('host:1', { leaseMs: -1 });
    expect((await claim('host:2')).map((r) => r.id)).toEqual([m.id]);
    await store.mailboxes.releaseLease(m.id, 'host:2');
    expect((await store.mailboxes.findById(m.id))?.lease_owner).toBeNull();
  });
});

describe('mailboxes and audit', () => {
  it('links an address once and reports linked addresses', async () => {
    const m = await store.mailboxes.insert('Support@Contoso.test', 'Support');
    const duplicate = await store.mailboxes.insert('support@contoso.test', null).then(() => undefined, (error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(await store.mailboxes.linkedAddresses()).toContain('support@contoso.test');
    await store.mailboxes.setState(m.id, 'unlinked', 'admin unlinked');
    expect(await store.mailboxes.linkedAddresses()).not.toContain('support@contoso.test');
  });

  it('keeps audit entries newest first with their details', async () => {
    await store.audit.record({ actor: 'admin@contoso.test', action: 'mailbox.paused', targetType: 'mailbox', targetId: 7, details: { reason: 'test' } });
    await store.audit.record({ actor: 'admin@contoso.test', action: 'mailbox.resumed', targetType: 'mailbox', targetId: 7 });
    const entries = await store.audit.list({ targetType: 'mailbox', targetId: 7, limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['mailbox.resumed', 'mailbox.paused']);
    expect(JSON.parse(entries[1]!.details)).toEqual({ reason: 'test' });
  });
});
