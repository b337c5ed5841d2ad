import { DEFAULT_SYNC_SETTINGS } from '../../../../server/inbound/sync/mailbox-sync';
import { DeadLetterError, DeadLetters } from '../../../../server/inbound/ingest/dead-letters';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import type { ParseTask } from '../../../../server/inbound/mail/parse-worker';
import { MESSAGE_ID_DOMAIN, seedStore, variant, type Seeded } from '../support';

// The rules both the admin API and the operators' CLI go through: only an open letter is replayed or
// discarded, and the change commits with its audit entry under whoever made it.

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const SETTINGS = { ...DEFAULT_SYNC_SETTINGS, messageIdDomain: MESSAGE_ID_DOMAIN };

/** Parses in this thread: the pool's workers are the sync's business, not the rules under test here. */
const inProcess = (before?: () => Promise<void>) => ({
  async parse(task: ParseTask) {
    await before?.();
    if (task.kind !== 'mime') throw new Error('these tests store MIME');
    return inboundMailFromMime(Buffer.from(task.raw));
  },
});

let letters = 0;
async function openLetter(raw: Buffer | null = null) {
  const messageId = `<dead-letter-${++letters}@mail.customer.example>`;
  const mime = raw ?? variant('plain-customer.eml', { replace: [['<20250603091358.4f2a@mail.customer.example>', messageId]] });
  return seeded.store.deadLetters.insert({ mailboxId: seeded.support.id, graphMessageId: `AAMk-${letters}`, internetMessageId: messageId, reasonCode: 'parse_failed', reason: 'simulated', raw: mime });
}

async function auditOf(id: number) {
  return (await seeded.store.audit.list({ targetType: 'dead_letter', targetId: id, limit: 10 })).map((a) => ({ actor: a.actor, action: a.action }));
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DeadLetterError ? error.code : `not a DeadLetterError: ${String(error)}`),
  );
}

describe('discarding a dead letter', () => {
  it('resolves an open letter and audits it under the actor', async () => {
    const letter = await openLetter();
    await new DeadLetters(seeded.store, SETTINGS).discard(letter.id, 'ops@acme.test');
    expect((await seeded.store.deadLetters.findById(letter.id))?.state).toBe('discarded');
    expect(await auditOf(letter.id)).toEqual([{ actor: 'ops@acme.test', action: 'dead_letter.discarded' }]);
  });

  it.each([
    ['not_found for a letter that does not exist', async () => 999_999],
    ['not_open for a letter already discarded', async () => {
      const letter = await openLetter();
      await seeded.store.deadLetters.resolve(letter.id, 'discarded');
      return letter.id;
    }],
    ['not_open for a letter already replayed', async () => {
      const letter = await openLetter();
      await seeded.store.deadLetters.resolve(letter.id, 'replayed');
      return letter.id;
    }],
  ])('refuses with %s, and audits nothing', async (name, idOf) => {
    const id = await idOf();
    expect(await codeOf(new DeadLetters(seeded.store, SETTINGS).discard(id, 'cli'))).toBe(name.split(' ')[0]);
    expect(await auditOf(id)).toEqual([]);
  });
});

describe('replaying a dead letter', () => {
  it('records its mail, resolves the letter and audits the outcome under the actor, together', async () => {
    const letter = await openLetter();
    const outcome = await new DeadLetters(seeded.store, SETTINGS, inProcess()).replay(letter.id, 'admin@acme.test');
    expect(outcome.kind).toBe('ticket_created');
    expect((await seeded.store.deadLetters.findById(letter.id))?.state).toBe('replayed');
    expect(await auditOf(letter.id)).toEqual([{ actor: 'admin@acme.test', action: 'dead_letter.replayed' }]);
    expect(await codeOf(new DeadLetters(seeded.store, SETTINGS, inProcess()).replay(letter.id, 'cli'))).toBe('not_open');
  });

  it('says no_content for a letter kept without its mail, and leaves it open to be discarded', async () => {
    const letter = await seeded.store.deadLetters.insert({ mailboxId: seeded.support.id, graphMessageId: null, internetMessageId: null, reasonCode: 'too_large', reason: 'over the cap', raw: null });
    expect(await codeOf(new DeadLetters(seeded.store, SETTINGS, inProcess()).replay(letter.id, 'cli'))).toBe('no_content');
    expect((await seeded.store.deadLetters.findById(letter.id))?.state).toBe('open');
  });

  it('says still_failing when the parse fails again, and leaves the letter open', async () => {
    const letter = await openLetter();
    const failing = { parse: () => Promise.reject(new Error('still broken')) };
    expect(await codeOf(new DeadLetters(seeded.store, SETTINGS, failing).replay(letter.id, 'cli'))).toBe('still_failing');
    expect((await seeded.store.deadLetters.findById(letter.id))?.state).toBe('open');
    expect(await auditOf(letter.id)).toEqual([]);
  });

  // The parse runs outside the transaction and can take seconds: a discard may commit meanwhile.
  it('gives way to a discard that committed during its parse, recording nothing', async () => {
    const letter = await openLetter();
    const deadLetters: DeadLetters = new DeadLetters(seeded.store, SETTINGS, inProcess(() => deadLetters.discard(letter.id, 'ops@acme.test')));
    expect(await codeOf(deadLetters.replay(letter.id, 'admin@acme.test'))).toBe('not_open');
    expect((await seeded.store.deadLetters.findById(letter.id))?.state).toBe('discarded');
    expect(await seeded.store.mailMessages.findByMessageIds([letter.internet_message_id!])).toEqual([]);
    expect(await auditOf(letter.id)).toEqual([{ actor: 'ops@acme.test', action: 'dead_letter.discarded' }]);
  });
});
