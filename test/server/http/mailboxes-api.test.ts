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
