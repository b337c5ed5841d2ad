import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT, END_USER } from '../../support/identity-provider';

/**
 * GET /api/tickets/:id/attachments/:attachmentId: the stored bytes of a file a sender chose, sent so that a
 * browser downloads them and never runs them as a page of the API's origin, and only to this tenant's agents.
 */

let harness: ApiHarness;
let agentAuth: string;

beforeAll(async () => {
  harness = await startApiHarness();
  agentAuth = `Bearer ${await harness.idp.token(AGENT)}`;
});

afterAll(async () => {
  await harness?.close();
});

/** A ticket with an emailed comment, as ingest stores it. */
async function seedTicket(): Promise<{ ticketId: number; commentId: number }> {
  const requester = await harness.store.users.ensureByEmail(`sender-${randomUUID().slice(0, 8)}@example.test`, null);
  const ticket = await harness.store.tickets.insert({ mailboxId: null, subject: 'With files', status: 'new', requesterId: requester.id, referenceTag: 'ABCDE' });
  const comment = await harness.store.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, visibility: 'public', source: 'email', bodyText: 'See attached' });
  return { ticketId: ticket.id, commentId: comment.id };
}

async function attach(at: { ticketId: number; commentId: number }, file: { filename: string; contentType: string; content: Buffer | null; inline?: boolean; omittedReason?: string }): Promise<number> {
  return harness.store.attachments.insert({
    ticketId: at.ticketId,
    commentId: at.commentId,
    filename: file.filename,
    contentType: file.contentType,
    size: file.content?.length ?? 123_456_789,
    contentId: file.inline ? 'img1@example.test' : null,
    inline: file.inline ?? false,
    content: file.content,
    omittedReason: file.omittedReason ?? null,
  });
}

/** `auth` '' sends no token. */
const download = (ticketId: number, attachmentId: number | string, auth: string = agentAuth) => {
  const test = request(harness.app).get(`/api/tickets/${ticketId}/attachments/${attachmentId}`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
  return auth ? test.set('Authorization', auth) : test;
};

function expectError(res: request.Response, status: number, code: string): void {
  const body = Buffer.isBuffer(res.body) ? (JSON.parse(res.body.toString('utf8') || '{}') as { error?: { code?: string } }) : (res.body as { error?: { code?: string } });
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code });
}

describe('downloading a stored file', () => {
  it('sends the bytes with a safe type, as a download, sandboxed and never cached', async () => {
    const at = await seedTicket();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const id = await attach(at, { filename: 'screen shot.png', contentType: 'image/png', content: png });
    const res = await download(at.ticketId, id);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.headers['content-disposition']).toBe(`attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it.each([
    ['text/html', '<script>alert(1)</script>'],
    ['image/svg+xml', '<svg onload="alert(1)"/>'],
    ['application/xhtml+xml', '<html xmlns="http://www.w3.org/1999/xhtml"/>'],
    ['application/javascript', 'alert(1)'],
    ['text/javascript', 'alert(1)'],
    ['Text/HTML; charset=utf-8', '<b>x</b>'],
    ['application/x-unknown', 'data'],
  ])('sends a file stored as %s as application/octet-stream', async (contentType, content) => {
    const at = await seedTicket();
    const id = await attach(at, { filename: 'page.html', contentType, content: Buffer.from(content) });
    const res = await download(at.ticketId, id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
  });

  it.each([
    ['application/pdf', 'application/pdf'],
    ['TEXT/PLAIN; charset=utf-8', 'text/plain'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['application/zip', 'application/zip'],
  ])('keeps the safe type %s', async (stored, sent) => {
    const at = await seedTicket();
    const id = await attach(at, { filename: 'file', contentType: stored, content: Buffer.from('x') });
    expect((await download(at.ticketId, id)).headers['content-type']).toMatch(new RegExp(`^${sent.replace(/[.+]/g, '\\$&')}(;|$)`));
  });

  it('names a non-ASCII file in UTF-8, with an ASCII fallback, and keeps quotes and line breaks out of the header', async () => {
    const at = await seedTicket();
    const id = await attach(at, { filename: 'Prüfbericht "final"\r\n€.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') });
    const disposition = (await download(at.ticketId, id)).headers['content-disposition'] as string;
    expect(disposition).toBe(`attachment; filename="Pr_fbericht _final__.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20%22final%22%E2%82%AC.pdf`);
  });

  it('serves an inline image and an upload that no reply has taken yet', async () => {
    const at = await seedTicket();
    const inline = await attach(at, { filename: 'logo.gif', contentType: 'image/gif', content: Buffer.from('GIF89a'), inline: true });
    expect((await download(at.ticketId, inline)).status).toBe(200);
    const upload = await request(harness.app).post(`/api/tickets/${at.ticketId}/attachments`).query({ filename: 'draft.txt' }).set('Authorization', agentAuth).set('Content-Type', 'text/plain').send('draft');
    expect(upload.status).toBe(201);
    const res = await download(at.ticketId, upload.body.id as number);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString('utf8')).toBe('draft');
  });
});

describe('what is not there', () => {
  it("answers 404 not_found for an unknown id, another ticket's file, and a file whose bytes were not kept", async () => {
    const at = await seedTicket();
    const other = await seedTicket();
    const othersFile = await attach(other, { filename: 'theirs.txt', contentType: 'text/plain', content: Buffer.from('theirs') });
    const omitted = await attach(at, { filename: 'huge.iso', contentType: 'application/octet-stream', content: null, omittedReason: 'over_size_cap' });
    expectError(await download(at.ticketId, othersFile), 404, 'not_found');
    expectError(await download(at.ticketId, omitted), 404, 'not_found');
    expectError(await download(at.ticketId, 987654321), 404, 'not_found');
    expectError(await download(at.ticketId, 99_999_999_999), 404, 'not_found');
    expectError(await download(987654321, othersFile), 404, 'not_found');
    // The same file under its own ticket is there.
    expect((await download(other.ticketId, othersFile)).status).toBe(200);
  });

  it('answers 400 validation_failed for an id that is not a number', async () => {
    const at = await seedTicket();
    expectError(await download(at.ticketId, 'abc'), 400, 'validation_failed');
  });
});

describe('who may download', () => {
  it('refuses no token (401), an end user (403) and a token of another tenant (401); admins may', async () => {
    const at = await seedTicket();
    const id = await attach(at, { filename: 'secret.txt', contentType: 'text/plain', content: Buffer.from('secret') });
    expectError(await download(at.ticketId, id, ''), 401, 'unauthenticated');
    expectError(await download(at.ticketId, id, `Bearer ${await harness.idp.token(END_USER)}`), 403, 'forbidden');
    const stranger = await download(at.ticketId, id, `Bearer ${await harness.idp.token({ ...AGENT, tid: '11111111-2222-3333-4444-555555555555' })}`);
    expect(stranger.status).toBe(401);
    expect((stranger.body as Buffer).toString('utf8')).not.toContain('secret');
    const admin = await download(at.ticketId, id, `Bearer ${await harness.idp.token(ADMIN)}`);
    expect(admin.status).toBe(200);
    expect((admin.body as Buffer).toString('utf8')).toBe('secret');
  });
});
