import { simpleParser } from 'mailparser';
import pino from 'pino';
import type { MailboxClients } from '../../../server/graph/mailbox-clients';
import { MailboxLifecycle } from '../../../server/mailboxes/mailbox-lifecycle';
import { DEFAULT_RELAY_SETTINGS, RelayWorker } from '../../../server/outbound/relay-worker';
import type { Store } from '../../../server/store/store';
import { REPLY_DELIMITERS } from '../../../server/tickets/reply-delimiter';
import { openTestStore } from '../../support/database';

/**
 * The relay writes each email in the language of the mailbox it leaves from: an acknowledgement from a
 * mailbox an admin set to Italian is Italian from its first line, and English stays the default.
 */
let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(() => cleanup());

/** A Graph client that accepts every sendMail and keeps the MIME it was given. */
function recordingClients(sent: Buffer[]): MailboxClients {
  const request = (path: string) => {
    const chain = {
      header: () => chain,
      middlewareOptions: () => chain,
      filter: () => chain,
      select: () => chain,
      top: () => chain,
      get: async () => ({ value: [] }),
      post: async (body: string) => {
        if (path.endsWith('/sendMail')) sent.push(Buffer.from(body, 'base64'));
        return {};
      },
    };
    return chain;
  };
  return { client: () => ({ api: request }) } as unknown as MailboxClients;
}

async function acknowledge(address: string, language: 'en-US' | 'it-IT' | null): Promise<string> {
  const mailbox = await store.mailboxes.insert(address, 'Supporto', 'active');
  if (language) await new MailboxLifecycle(store).setLanguage(mailbox.id, language, 'admin@contoso.test (test)');
  const requester = await store.users.ensureByEmail(`mario-${mailbox.id}@cliente.example`, 'Mario Rossi');
  const ticket = await store.tickets.insert({ mailboxId: mailbox.id, subject: 'Stampante guasta', status: 'new', requesterId: requester.id, referenceTag: 'K4QX9' });
  await store.outbox.insert({ ticketId: ticket.id, mailboxId: mailbox.id, commentId: null, kind: 'ticket_received', to: [requester.email], cc: [] });
  const sent: Buffer[] = [];
  const relay = new RelayWorker({ store, clients: recordingClients(sent), logger: pino({ level: 'silent' }), settings: DEFAULT_RELAY_SETTINGS });
  await relay.runOnce();
  expect(sent).toHaveLength(1);
  return (await simpleParser(sent[0] as Buffer)).text ?? '';
}

describe('the mailbox language in outgoing mail', () => {
  it('sends an Italian mailbox’s acknowledgement in Italian', async () => {
    const text = await acknowledge('assistenza@contoso.test', 'it-IT');
    expect(text.split('\n')[0]).toBe(REPLY_DELIMITERS['it-IT']);
    expect(text).toContain('Gentile Mario Rossi,');
    expect(text).toContain('Grazie per averci scritto.');
    expect(text).not.toContain('Thank you');
  });

  it('sends English from a mailbox whose language was never set', async () => {
    const text = await acknowledge('support-default@contoso.test', null);
    expect(text).toContain('Hello Mario Rossi,');
    expect(text).toContain('Thank you for your message.');
  });

  it('stores only the languages Relaydesk writes (the check constraint)', async () => {
    const mailbox = await store.mailboxes.insert('lingua@contoso.test', null, 'active');
    expect(mailbox.language).toBe('en-US');
    // The driver's own error (SQLite's, or PostgreSQL's check_violation), which is not always this realm's Error.
    await expect(store.mailboxes.update(mailbox.id, { language: 'fr-FR' as never })).rejects.toMatchObject({ code: expect.stringMatching(/^(SQLITE_CONSTRAINT_CHECK|23514)$/) });
    expect((await store.mailboxes.findById(mailbox.id))?.language).toBe('en-US');
  });
});
