import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { DemoMailGenerator } from '../../server/sandbox';
import { Store } from '../../server/store/store';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';
import { ROOT } from '../support/server-process';

// Dead letters: kept with their content, listed and replayed by admins (API) and operators (CLI).
let rd: RelaydeskWithSandbox;
let admin: string;
let agent: string;

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  await rd.control('POST', '/sandbox/users', { upn: 'dl-admin@contoso.test', roles: ['Relaydesk.Admin'] });
  await rd.control('POST', '/sandbox/users', { upn: 'dl-agent@contoso.test', roles: ['Relaydesk.Agent'] });
  admin = `Bearer ${await rd.apiToken('dl-admin@contoso.test')}`;
  agent = `Bearer ${await rd.apiToken('dl-agent@contoso.test')}`;
});
afterAll(() => rd?.close());

/** A message that failed once (say, before a parser fix): its dead letter and its dead-letter record. */
async function deadLetterOf(store: Store, mailboxId: number, mime: Buffer, internetMessageId: string) {
  const letter = await store.deadLetters.insert({ mailboxId, graphMessageId: 'AAMk-test', internetMessageId, reasonCode: 'parse_failed', reason: 'simulated', raw: mime });
  await store.mailMessages.insert({ mailboxId, internetMessageId, graphMessageId: 'AAMk-test', direction: 'inbound', ticketId: null, commentId: null, disposition: 'dead_letter', dispositionReason: `parse_failed: dead letter ${letter.id}`, fromAddress: null, subject: null });
  return letter;
}

describe('dead letters through the admin API', () => {
  it('replays a dead letter into a ticket, once', async () => {
    const mailbox = await rd.linkMailbox('dl@contoso.test');
    const mail = await new DemoMailGenerator({ to: mailbox.address, seed: 11 }).next('question');
    const letter = await deadLetterOf(rd.store, mailbox.id, mail.mime, mail.messageId);

    const list = await request(rd.app).get('/api/dead-letters?state=open').set('Authorization', admin);
    expect(list.body.map((l: { id: number }) => l.id)).toContain(letter.id);
    expect(list.body[0]).not.toHaveProperty('raw');

    const replay = await request(rd.app).post(`/api/dead-letters/${letter.id}/replay`).set('Authorization', admin);
    expect(replay.status).toBe(200);
    expect(replay.body.outcome.kind).toBe('ticket_created');
    const [record] = await rd.store.mailMessages.findByMessageIds([mail.messageId]);
    expect(record).toMatchObject({ disposition: 'ticket_created', ticket_id: replay.body.outcome.ticketId });
    expect((await rd.store.deadLetters.findById(letter.id))?.state).toBe('replayed');

    const again = await request(rd.app).post(`/api/dead-letters/${letter.id}/replay`).set('Authorization', admin);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_open');
  });

  it('keeps a letter open and says why when it still fails, and lets an admin discard it', async () => {
    const mailbox = await rd.store.mailboxes.findByAddress('dl@contoso.test');
    const letter = await deadLetterOf(rd.store, mailbox!.id, Buffer.alloc(0), '<empty@example.test>');
    const replay = await request(rd.app).post(`/api/dead-letters/${letter.id}/replay`).set('Authorization', admin);
    expect(replay.status).toBe(422);
    expect(replay.body.error.code).toBe('still_failing');
    expect((await rd.store.deadLetters.findById(letter.id))?.state).toBe('open');
    expect((await rd.store.mailMessages.findByMessageIds(['<empty@example.test>']))[0]?.disposition).toBe('dead_letter');

    const tooLarge = await rd.store.deadLetters.insert({ mailboxId: mailbox!.id, graphMessageId: 'AAMk-big', internetMessageId: '<big@example.test>', reasonCode: 'too_large', reason: 'over the cap', raw: null });
    expect((await request(rd.app).post(`/api/dead-letters/${tooLarge.id}/replay`).set('Authorization', admin)).body.error.code).toBe('no_content');
    const discard = await request(rd.app).post(`/api/dead-letters/${letter.id}/discard`).set('Authorization', admin);
    expect(discard.body).toEqual({ id: letter.id, state: 'discarded' });
    expect((await request(rd.app).post(`/api/dead-letters/${letter.id}/discard`).set('Authorization', admin)).body.error.code).toBe('not_open');
  });

  it('answers 404 for an unknown letter and 403 for agents', async () => {
    expect((await request(rd.app).post('/api/dead-letters/999999/replay').set('Authorization', admin)).body.error.code).toBe('not_found');
    expect((await request(rd.app).get('/api/dead-letters').set('Authorization', agent)).status).toBe(403);
  });
});

describe('dead letters through the CLI', () => {
  it('lists and replays against the configured database', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-cli-'));
    try {
      const store = await Store.open({ kind: 'sqlite', file: path.join(dataDir, 'relaydesk.db') });
      const mailbox = await store.mailboxes.insert('cli@contoso.test', null, 'active');
      const mail = await new DemoMailGenerator({ to: mailbox.address, seed: 12 }).next('question');
      const letter = await deadLetterOf(store, mailbox.id, mail.mime, mail.messageId);
      await store.close();

      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/cli/dead-letters.ts'), ...args], {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
        });
      const listed = JSON.parse((await run('list', 'open')).stdout) as { id: number }[];
      expect(listed.map((l) => l.id)).toEqual([letter.id]);
      const replayed = JSON.parse((await run('replay', String(letter.id))).stdout) as { outcome: { kind: string } };
      expect(replayed.outcome.kind).toBe('ticket_created');
      const failed = await run('replay', String(letter.id)).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(failed?.code).toBe(1);
      expect(JSON.parse(failed!.stderr).error.code).toBe('not_open');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
