import { Writable } from 'node:stream';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../server/http/app';
import { createLogger } from '../../server/logger';
import { mailboxLinking } from '../../server/wiring';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// The OAuth callback's `code` and `state` must never reach the logs: a log reader could redeem the code or
// finish someone else's link. Relaydesk's own logger (createLogger) captures every line of a real link, done
// and replayed, and of a later request whose Referer is the callback page.

const ADDRESS = 'logged@contoso.test';
const ADMIN = 'log-admin@contoso.test';

let rd: RelaydeskWithSandbox;
let app: Express;
const lines: string[] = [];

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  const logger = createLogger('trace', new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString('utf8')), done()) }));
  const linking = mailboxLinking({ config: { redirectUri: rd.redirectUri }, microsoft: rd.microsoft, store: rd.store, vault: rd.vault, tokens: rd.tokens, logger });
  app = createApp({ services: rd.services, logger, tokenVerifier: undefined, microsoft: { app: rd.microsoft, linking, officeJsUrl: 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js', publicOrigin: 'http://localhost:3000' } });
  await rd.control('POST', '/sandbox/mailboxes', { address: ADDRESS });
  await rd.control('POST', '/sandbox/users', { upn: ADMIN, roles: ['Relaydesk.Admin'] });
});
afterAll(() => rd?.close());

const logged = () => lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string; query?: unknown; headers?: Record<string, string> } });

it('logs the callback without its code and state, whether the link succeeds or is refused', async () => {
  const admin = `Bearer ${await rd.apiToken(ADMIN)}`;
  const started = await request(rd.app).post('/api/mailboxes').set('Authorization', admin).send({ address: ADDRESS });
  expect(started.status).toBe(201);
  const query = await rd.consent(started.body.authorizeUrl as string, ADDRESS, 'accept');
  expect(query['code']).toBeTruthy();
  expect(query['state']).toBeTruthy();

  expect((await request(app).get('/oauth/callback').query(query)).status).toBe(200);
  // Replayed: the state is single-use, so this is refused, and the refusal is logged too.
  expect((await request(app).get('/oauth/callback').query(query)).status).toBe(400);
  const callbackPage = `http://localhost:3000/oauth/callback?${new URLSearchParams(query).toString()}`;
  expect((await request(app).get('/api/auth/config').set('Referer', callbackPage)).status).toBe(200);

  const all = lines.join('\n');
  expect(all).not.toContain(query['code']);
  expect(all).not.toContain(query['state']);
  const entries = logged();
  const callbacks = entries.filter((e) => e.req?.url?.startsWith('/oauth/callback'));
  // Completion lines of both requests and the refusal: the request is still identifiable, only the query is gone.
  expect(callbacks.length).toBeGreaterThanOrEqual(3);
  for (const e of callbacks) expect(e.req).toMatchObject({ url: '/oauth/callback?[redacted]', query: '[redacted]' });
  expect(entries.some((e) => e.msg === 'mailbox link refused')).toBe(true);
  expect(entries.find((e) => e.req?.url === '/api/auth/config')?.req?.headers?.['referer']).toBe('http://localhost:3000/oauth/callback?[redacted]');
});

it('tells the callback page not to send its URL on as a Referer', async () => {
  const res = await request(app).get('/oauth/callback').query({ code: 'x', state: 'y' });
  expect(res.headers['referrer-policy']).toBe('no-referrer');
});
