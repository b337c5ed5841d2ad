import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { STATUS_PAGE_MESSAGES } from '../../../server/http/status-page-messages';
import { statusPageRoutes } from '../../../server/http/routes/status-page';
import { startSandbox, type RunningSandbox } from '../../../server/sandbox';
import type { Store } from '../../../server/store/store';
import { createRelaydesk, type Relaydesk } from '../../../server/wiring';
import { openTestStore } from '../../support/database';
import { catalogProblems } from '../../support/icu-catalog';
import { TEST_SENDING_DELAYS } from '../../support/sandbox';
import { testConfig } from '../../support/test-config';

/**
 * What `/` is. With a Microsoft app configured: a status page (version, health, the manifest's URL) that shows
 * no data. In sandbox mode: the preview, with its small API over the sandbox's demo mailbox (read through Graph,
 * fed through the control API), which exists in sandbox mode only.
 */

const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
const silent = pino({ level: 'silent' });

describe('with a Microsoft app configured', () => {
  let rd: Relaydesk;
  let store: Store;
  let cleanup: () => Promise<void>;
  let removeDataDir: () => void;
  beforeAll(async () => {
    const opened = await openTestStore();
    ({ store, cleanup } = opened);
    const test = testConfig({ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 'secret', PUBLIC_ORIGIN: 'https://relaydesk.contoso.com' });
    removeDataDir = test.removeDataDir;
    rd = await createRelaydesk(test.config, { store, logger: silent });
  });
  afterAll(async () => {
    await rd?.close();
    await cleanup?.();
    removeDataDir?.();
  });

  it('GET / is a status page: version, ready, the manifest URL; no mailbox, ticket or credential', async () => {
    await store.mailboxes.insert('hidden-support@contoso.test', 'Hidden Support', 'active');
    const res = await request(rd.app).get('/').set('Accept-Language', 'en-GB');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain(`<dd id="version">${VERSION}</dd>`);
    expect(res.text).toMatch(/id="health"[^>]*data-state="ready"/);
    expect(res.text).toContain('href="https://relaydesk.contoso.com/manifest.xml"');
    expect(res.text).not.toContain('hidden-support');
    expect(res.text).not.toContain('secret');
    expect(res.text).not.toMatch(/<script/i);
  });

  it('speaks Italian to an Italian browser', async () => {
    const res = await request(rd.app).get('/').set('Accept-Language', 'it-IT,it;q=0.9,en;q=0.5');
    expect(res.text).toContain('<html lang="it-IT">');
    expect(res.text).toContain(STATUS_PAGE_MESSAGES['it-IT']['status.title']);
  });

  it('serves no preview: neither its page parts nor its API exist', async () => {
    for (const url of ['/preview/api/setup', '/preview/api/messages', '/preview/office.js', '/preview/addin/taskpane.html']) {
      const res = await request(rd.app).get(url);
      expect([url, res.status, res.body?.error?.code]).toEqual([url, 404, 'route_not_found']);
    }
    expect((await request(rd.app).post('/preview/api/mail').send({ kind: 'question' })).status).toBe(404);
  });
});

describe('the status page when the instance is not ready', () => {
  const page = (checkReady: () => Promise<{ pendingMigrations: string[] }>) => express().use(statusPageRoutes({ version: '9.9.9', publicOrigin: 'https://x.test', checkReady }));

  it.each([
    ['pending migrations', async () => ({ pendingMigrations: ['0099-next'] }), 'database migrations pending'],
    ['an unreachable database', async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:5432')), 'database unreachable'],
  ])('says not ready for %s, and never the error itself', async (_name, checkReady, words) => {
    const res = await request(page(checkReady)).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/id="health"[^>]*data-state="not_ready"/);
    expect(res.text).toContain(words);
    expect(res.text).not.toContain('ECONNREFUSED');
    expect(res.text).not.toContain('0099-next');
  });

  it('has its words in both languages, ICU, with the same placeholders', () => {
    expect(catalogProblems(STATUS_PAGE_MESSAGES)).toEqual([]);
  });
});

describe('in sandbox mode', () => {
  let sandbox: RunningSandbox;
  let rd: Relaydesk;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let distDir: string;
  beforeAll(async () => {
    distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-preview-fixture-'));
    // A built bundle's files as the routes read them (the browser suite uses the real build).
    fs.writeFileSync(path.join(distDir, 'build-info.json'), JSON.stringify({ origin: 'https://localhost:3000' }));
    fs.writeFileSync(path.join(distDir, 'preview.html'), '<!doctype html><title>preview fixture</title>');
    fs.writeFileSync(path.join(distDir, 'preview-office.js'), '/* the preview Office host */');
    fs.writeFileSync(path.join(distDir, 'taskpane.html'), '<head><script src="office.js" id="office-js"></script></head>');
    const test = testConfig({ ADDIN_DIR: distDir, PUBLIC_ORIGIN: 'https://localhost:3000' });
    dataDir = test.dataDir;
    sandbox = await startSandbox({ ...TEST_SENDING_DELAYS, dataDir, port: 0, seedDemo: true, logger: silent });
    const opened = await openTestStore();
    cleanup = opened.cleanup;
    rd = await createRelaydesk(test.config, { store: opened.store, sandbox, logger: silent });
  });
  afterAll(async () => {
    await rd?.close();
    await sandbox?.close();
    await cleanup?.();
    for (const dir of [dataDir, distDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the preview page at /, and the pane under /preview/addin/ with the preview Office host as its office.js', async () => {
    const home = await request(rd.app).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('preview fixture');
    expect(home.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const office = await request(rd.app).get('/preview/office.js');
    expect(office.type).toBe('text/javascript');
    expect(office.text).toContain('preview Office host');
    const pane = await request(rd.app).get('/preview/addin/taskpane.html');
    expect(pane.text).toContain('<script src="https://localhost:3000/preview/office.js" id="office-js"></script>');
    expect(pane.headers['content-security-policy']).toContain("frame-ancestors 'self'");
  });

  it('names the demo mailbox and the people who sign in', async () => {
    const setup = await request(rd.app).get('/preview/api/setup');
    expect(setup.body).toEqual({
      mailbox: 'support@contoso.test',
      people: [
        { upn: 'admin@contoso.test', name: 'Adele Vance', role: 'admin' },
        { upn: 'alex@contoso.test', name: 'Alex Wilber', role: 'agent' },
        { upn: 'lynne@contoso.test', name: 'Lynne Robbins', role: 'agent' },
      ],
    });
  });

  it('delivers a customer email of a kind asked for as JSON, and lists it unread, newest first, with its body', async () => {
    // A page on another site can post a form or text/plain without asking: that is refused and delivers nothing.
    const plain = await request(rd.app).post('/preview/api/mail').set('Content-Type', 'text/plain').send('{"kind":"question"}');
    expect([plain.status, plain.body.error.code]).toEqual([415, 'json_required']);
    expect((await request(rd.app).get('/preview/api/messages')).body.messages).toEqual([]);
    expect((await request(rd.app).post('/preview/api/mail').send({ kind: 'newsletter' })).body.error.code).toBe('validation_failed');

    const first = await request(rd.app).post('/preview/api/mail').send({ kind: 'question' });
    expect(first.status).toBe(201);
    const second = await request(rd.app).post('/preview/api/mail').send({ kind: 'auto-reply' });
    const list = await request(rd.app).get('/preview/api/messages');
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.body.messages.map((m: { internetMessageId: string }) => m.internetMessageId)).toEqual([second.body.internetMessageId, first.body.internetMessageId]);
    const question = list.body.messages[1] as { id: string; subject: string; isRead: boolean; from: { address: string } | null; to: { address: string }[] };
    expect(question).toMatchObject({ subject: first.body.subject, isRead: false, to: [{ address: 'support@contoso.test' }] });
    expect(question.from?.address).toMatch(/@/);

    const body = await request(rd.app).get(`/preview/api/messages/${encodeURIComponent(question.id)}/body`);
    expect(body.status).toBe(200);
    expect(body.body.contentType).toMatch(/^(text|html)$/);
    expect(body.body.content.length).toBeGreaterThan(20);
  });

  it('answers 400 for an id that is no Graph id, 404 for one the demo Inbox does not have', async () => {
    expect((await request(rd.app).get('/preview/api/messages/not%20an%20id/body')).body.error.code).toBe('validation_failed');
    const malformed = await request(rd.app).get('/preview/api/messages/AAMkAGI2THVSAAA%3D/body');
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_message_id']);
    // A real id, of a message in another mailbox (the admin's own).
    const mime = 'From: pat@customer.test\r\nTo: admin@contoso.test\r\nSubject: private\r\nMessage-ID: <private-1@customer.test>\r\n\r\nnot for the preview\r\n';
    const elsewhere = (await (await fetch(`${sandbox.baseUrl}/sandbox/mailboxes/admin%40contoso.test/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime })).json()) as { id: string };
    const gone = await request(rd.app).get(`/preview/api/messages/${encodeURIComponent(elsewhere.id)}/body`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'message_not_found']);
    expect(gone.text).not.toContain('not for the preview');
  });
});
