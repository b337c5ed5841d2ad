import { preparedQuery } from '../../../server/store/prepared-query';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

/**
 * Prepared queries against the real store (SQLite here; PostgreSQL in CI's second pass): the same rows as the
 * query Kysely builds each time, for every argument, constants kept, inside a transaction too.
 */

let store: Store;
let cleanup: () => Promise<void>;
let ids: number[];

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  ids = [];
  for (const [i, email] of ['ana@example.test', 'bo@example.test', 'cy@example.test'].entries()) {
    const user = await store.users.ensureByEmail(email, `Person ${i}`);
    ids.push(user.id);
  }
});

afterAll(async () => {
  await cleanup?.();
});

// The store's Kysely handle, as repositories hold it.
const dbOf = (s: Store) => (s as unknown as { db: Parameters<Parameters<typeof preparedQuery>[1]>[0] }).db;

describe('preparedQuery', () => {
  const byEmailLike = preparedQuery<{ pattern: string; limit: number }, { id: number; email: string }>(['pattern', 'limit'], (db, a) =>
    db.selectFrom('users').select(['id', 'email']).where('email', 'like', a.pattern).where('role', '=', 'end_user').orderBy('id').limit(a.limit),
  );

  it('answers what the query built each time answers, for each new set of arguments', async () => {
    const db = dbOf(store);
    for (const [pattern, limit] of [['%@example.test', 10], ['bo@%', 10], ['%@example.test', 2], ['nobody%', 5]] as const) {
      const built = await db.selectFrom('users').select(['id', 'email']).where('email', 'like', pattern).where('role', '=', 'end_user').orderBy('id').limit(limit).execute();
      expect(await byEmailLike(db, { pattern, limit })).toEqual(built);
    }
    expect((await byEmailLike(db, { pattern: 'bo@%', limit: 10 })).map((r) => r.email)).toEqual(['bo@example.test']);
    expect(await byEmailLike(db, { pattern: '%@example.test', limit: 2 })).toHaveLength(2);
  });

  it('keeps the constants the builder wrote (here the role), whatever the arguments', async () => {
    await store.users.ensureStaff({ externalId: 'tid:oid-prepared', email: 'agent-prepared@example.test', displayName: null, role: 'agent' });
    expect((await byEmailLike(dbOf(store), { pattern: '%prepared%', limit: 10 })).map((r) => r.email)).toEqual([]);
  });

  it('runs inside a transaction and sees its uncommitted rows', async () => {
    await expect(
      store.transaction(async (trx) => {
        await trx.users.ensureByEmail('dee@example.test', 'Dee');
        const rows = await byEmailLike((trx as unknown as { db: ReturnType<typeof dbOf> }).db, { pattern: 'dee@%', limit: 10 });
        expect(rows.map((r) => r.email)).toEqual(['dee@example.test']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await byEmailLike(dbOf(store), { pattern: 'dee@%', limit: 10 })).toEqual([]);
  });

  it('refuses, at its first run, a query that leaves an argument out', async () => {
    const careless = preparedQuery<{ id: number; email: string }, { id: number }>(['id', 'email'], (db, a) => db.selectFrom('users').select('id').where('id', '=', a.id));
    await expect(careless(dbOf(store), { id: ids[0]!, email: 'x' })).rejects.toThrow(/argument email is not in/);
  });
});

describe('the repositories\' prepared reads', () => {
  it('find a ticket\'s list row, participants, comments and mail as before, and nothing for an unknown or unstorable id', async () => {
    const requester = await store.users.ensureByEmail('req@example.test', 'Req');
    const ticket = await store.tickets.insert({ mailboxId: null, subject: 'Prepared', status: 'new', requesterId: requester.id, referenceTag: 'PREP1' });
    const searched = (await store.tickets.search({ limit: 100 })).find((r) => r.id === ticket.id);
    expect(await store.tickets.listRow(ticket.id)).toEqual(searched);
    expect((await store.tickets.listRow(ticket.id))?.requester_email).toBe('req@example.test');
    expect(await store.tickets.listRow(ticket.id + 1000)).toBeUndefined();
    expect(await store.tickets.listRow(2 ** 40)).toBeUndefined();
    expect(await store.tickets.versionOf(ticket.id)).toBe(ticket.version);
    expect(await store.mailMessages.findByMessageId('<none@example.test>')).toEqual([]);
  });
});
