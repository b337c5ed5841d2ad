import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT } from '../../support/identity-provider';

/** PATCH /api/mailboxes/:id: an admin sets the language of a mailbox's emails; nobody else can. */

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.close();
});

const patch = async (id: number | string, body: object, claims: typeof ADMIN | typeof AGENT | null = ADMIN) => {
  const req = request(harness.app).patch(`/api/mailboxes/${id}`).send(body);
  return claims ? req.set('Authorization', `Bearer ${await harness.idp.token(claims)}`) : req;
};

describe('PATCH /api/mailboxes/:id {language}', () => {
  it('lets an admin switch a mailbox to Italian, answers the mailbox view, and audits the change', async () => {
    const mailbox = await harness.store.mailboxes.insert('supporto@contoso.test', 'Supporto', 'active');
    const res = await patch(mailbox.id, { language: 'it-IT' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: mailbox.id, address: 'supporto@contoso.test', language: 'it-IT', state: 'active' });
    expect((await harness.store.mailboxes.findById(mailbox.id))?.language).toBe('it-IT');
    const audit = await harness.store.audit.list({ targetType: 'mailbox', targetId: mailbox.id, limit: 10 });
    expect(audit.map((a) => [a.action, JSON.parse(a.details) as unknown])).toContainEqual(['mailbox.language_changed', expect.objectContaining({ from: 'en-US', to: 'it-IT' })]);
  });

  it('refuses an agent (403), a caller without a token (401), and changes nothing', async () => {
    const mailbox = await harness.store.mailboxes.insert('agent-try@contoso.test', null, 'active');
    expect((await patch(mailbox.id, { language: 'it-IT' }, AGENT)).status).toBe(403);
    expect((await patch(mailbox.id, { language: 'it-IT' }, null)).status).toBe(401);
    expect((await harness.store.mailboxes.findById(mailbox.id))?.language).toBe('en-US');
  });

  it.each([
    ['a language Relaydesk does not write', { language: 'fr-FR' }],
    ['a bare language tag', { language: 'it' }],
    ['no language', {}],
    ['another field', { language: 'it-IT', state: 'paused' }],
  ])('answers 400 validation_failed for %s', async (_name, body) => {
    const mailbox = await harness.store.mailboxes.insert(`bad-${Object.keys(body).join('-') || 'none'}-${Math.random()}@contoso.test`.toLowerCase(), null, 'active');
    const res = await patch(mailbox.id, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('answers 404 for a mailbox that is not linked', async () => {
    const gone = await harness.store.mailboxes.insert('gone@contoso.test', null, 'active');
    await harness.store.mailboxes.setState(gone.id, 'unlinked', 'test');
    expect((await patch(gone.id, { language: 'it-IT' })).body.error.code).toBe('not_found');
    expect((await patch(999_999, { language: 'it-IT' })).status).toBe(404);
  });
});

describe('PATCH /api/mailboxes/:id {afterIngest}', () => {
  it('sets leave_unread and back to mark_read, audited, answering the view', async () => {
    const mailbox = await harness.store.mailboxes.insert('care-unread@contoso.test', null, 'active');
    const res = await patch(mailbox.id, { afterIngest: { action: 'leave_unread' } });
    expect(res.status).toBe(200);
    expect(res.body.afterIngest).toEqual({ action: 'leave_unread', folderName: null });
    expect((await patch(mailbox.id, { afterIngest: { action: 'mark_read' } })).body.afterIngest).toEqual({ action: 'mark_read', folderName: null });
    const audit = await harness.store.audit.list({ targetType: 'mailbox', targetId: mailbox.id, limit: 10 });
    expect(audit.map((a) => a.action)).toContain('mailbox.after_ingest_changed');
  });

  it.each([
    ['move without a folder', { afterIngest: { action: 'move' } }],
    ['a folder without move', { afterIngest: { action: 'leave_unread', folder: 'Done' } }],
    ['an unknown action', { afterIngest: { action: 'delete' } }],
  ])('answers 400 validation_failed for %s', async (_name, body) => {
    const mailbox = await harness.store.mailboxes.insert(`care-bad-${Math.random()}@contoso.test`, null, 'active');
    const res = await patch(mailbox.id, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await harness.store.mailboxes.findById(mailbox.id))?.after_ingest).toBe('mark_read');
  });
});

describe('POST /api/mailboxes/:id/first-sync', () => {
  const post = async (id: number, body: object, claims: typeof ADMIN | typeof AGENT = ADMIN) =>
    request(harness.app).post(`/api/mailboxes/${id}/first-sync`).set('Authorization', `Bearer ${await harness.idp.token(claims)}`).send(body);

  it('records the choice once (409 first_sync_already_chosen after), audited', async () => {
    const mailbox = await harness.store.mailboxes.insert('care-choice@contoso.test', null, 'active', { firstSync: null });
    const res = await post(mailbox.id, { mode: 'last_days', days: 30 });
    expect(res.status).toBe(200);
    expect(res.body.firstSync).toEqual({ mode: 'last_days', days: 30 });
    const row = await harness.store.mailboxes.findById(mailbox.id);
    expect(row?.backfill_until).not.toBeNull();
    expect(Date.parse(row!.backfill_until!) - Date.parse(row!.sync_since!)).toBe(30 * 86_400_000);
    const again = await post(mailbox.id, { mode: 'all_unread' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('first_sync_already_chosen');
    const audit = await harness.store.audit.list({ targetType: 'mailbox', targetId: mailbox.id, limit: 10 });
    expect(audit.map((a) => a.action)).toContain('mailbox.first_sync_chosen');
  });

  it.each([
    ['days out of range', { mode: 'last_days', days: 366 }],
    ['days missing', { mode: 'last_days' }],
    ['days with another mode', { mode: 'from_now', days: 3 }],
    ['an unknown mode', { mode: 'everything' }],
  ])('answers 400 for %s and an agent 403, choosing nothing', async (_name, body) => {
    const mailbox = await harness.store.mailboxes.insert(`care-choice-bad-${Math.random()}@contoso.test`, null, 'active', { firstSync: null });
    expect((await post(mailbox.id, body)).status).toBe(400);
    expect((await post(mailbox.id, { mode: 'all_unread' }, AGENT)).status).toBe(403);
    expect((await harness.store.mailboxes.findById(mailbox.id))?.first_sync_mode).toBeNull();
  });
});
