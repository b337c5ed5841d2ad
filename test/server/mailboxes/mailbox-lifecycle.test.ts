import { MailboxLifecycle, MailboxLifecycleError } from '../../../server/mailboxes/mailbox-lifecycle';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(() => cleanup());

let mailboxes = 0;
async function linkedMailbox(state: 'active' | 'paused' | 'needs_reauth' | 'unlinked' = 'active') {
  const row = await store.mailboxes.insert(`lifecycle-${++mailboxes}@acme.test`, null, state);
  return store.mailboxes.update(row.id, { token_cache: 'sealed', home_account_id: 'home' });
}

async function actionsOn(id: number) {
  return (await store.audit.list({ targetType: 'mailbox', targetId: id, limit: 10 })).map((a) => `${a.actor} ${a.action}`);
}

async function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof MailboxLifecycleError ? { code: error.code, details: error.details } : { code: `not a MailboxLifecycleError: ${String(error)}` }),
  );
}

describe('mailbox lifecycle', () => {
  it('pauses an active mailbox and resumes it, auditing both, and syncs it at once on resume', async () => {
    const activated: number[] = [];
    const lifecycle = new MailboxLifecycle(store, { onActivated: (m) => activated.push(m.id) });
    const mailbox = await linkedMailbox();
    expect(await lifecycle.pause(mailbox.id, 'root')).toMatchObject({ state: 'paused', state_reason: 'paused by root' });
    expect(activated).toEqual([]);
    expect(await lifecycle.resume(mailbox.id, 'root')).toMatchObject({ state: 'active', state_reason: null });
    expect(activated).toEqual([mailbox.id]);
    expect(await actionsOn(mailbox.id)).toEqual(['root mailbox.resumed', 'root mailbox.paused']);
  });

  it.each([
    ['pausing a paused mailbox', 'paused', 'pause'],
    ['pausing a mailbox that needs re-authorization', 'needs_reauth', 'pause'],
    ['resuming an active mailbox', 'active', 'resume'],
    ['resuming a mailbox that needs re-authorization (only consent brings it back)', 'needs_reauth', 'resume'],
  ] as const)('refuses %s as invalid_mailbox_state, naming the state, and audits nothing', async (_name, state, verb) => {
    const mailbox = await linkedMailbox(state);
    expect(await refusal(new MailboxLifecycle(store)[verb](mailbox.id, 'root'))).toEqual({ code: 'invalid_mailbox_state', details: { state } });
    expect((await store.mailboxes.findById(mailbox.id))?.state).toBe(state);
    expect(await actionsOn(mailbox.id)).toEqual([]);
  });

  it.each(['pause', 'resume', 'unlink'] as const)('answers not_found to %s for an unlinked or unknown mailbox', async (verb) => {
    const lifecycle = new MailboxLifecycle(store);
    const unlinked = await linkedMailbox('unlinked');
    expect((await refusal(lifecycle[verb](unlinked.id, 'root')))?.code).toBe('not_found');
    expect((await refusal(lifecycle[verb](999_999, 'root')))?.code).toBe('not_found');
  });

  it('unlinks: deletes the tokens and the lease, drops cached tokens, keeps the row out of the list', async () => {
    const forgotten: number[] = [];
    const lifecycle = new MailboxLifecycle(store, { onTokensChanged: (id) => forgotten.push(id) });
    const mailbox = await linkedMailbox('paused');
    expect(await lifecycle.unlink(mailbox.id, 'root')).toMatchObject({ state: 'unlinked', state_reason: 'unlinked by root', token_cache: null, home_account_id: null, lease_owner: null });
    expect(forgotten).toEqual([mailbox.id]);
    expect(await actionsOn(mailbox.id)).toEqual(['root mailbox.unlinked']);
    expect((await lifecycle.listLinked()).map((m) => m.id)).not.toContain(mailbox.id);
  });

  it('lists every mailbox that is not unlinked', async () => {
    const paused = await linkedMailbox('paused');
    const reauth = await linkedMailbox('needs_reauth');
    const gone = await linkedMailbox('unlinked');
    const listed = (await new MailboxLifecycle(store).listLinked()).map((m) => m.id);
    expect(listed).toEqual(expect.arrayContaining([paused.id, reauth.id]));
    expect(listed).not.toContain(gone.id);
  });
});
