import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { simpleParser } from 'mailparser';
import { DEMO, DemoMailGenerator, type DemoMailKind } from '../../../server/sandbox';
import { answerConsent, eventually, jwtClaims, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * The control API contract, the demo tenant and mail generator, and what survives a restart: the CA, the
 * tenant and app ids, and refresh tokens (so a linked demo mailbox stays linked).
 */

describe('control API', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterAll(() => t.close());

  test('users and mailboxes: 201 when created, 200 when they exist, 400 for a bad UPN', async () => {
    expect((await t.control.call('POST', '/users', { upn: 'agent@relay.test', displayName: 'Agent', roles: ['Relaydesk.Agent'] })).status).toBe(201);
    const again = await t.control.call<{ roles: string[] }>('POST', '/users', { upn: 'agent@relay.test', roles: ['Relaydesk.Admin'] });
    expect(again.status).toBe(200);
    expect(again.body.roles).toEqual(['Relaydesk.Admin']);
    expect((await t.control.call('POST', '/users', { upn: 'not an address' })).status).toBe(400);
    expect((await t.control.call('POST', '/mailboxes', { address: 'help@relay.test' })).status).toBe(201);
    expect((await t.control.call('POST', '/mailboxes', { address: 'help@relay.test' })).status).toBe(200);
  });

  test('deliver returns an id Graph serves; unknown mailboxes are 404', async () => {
    const delivered = await t.control.deliver('help@relay.test', 'From: x@example.com\r\nTo: help@relay.test\r\nSubject: hello\r\nMessage-ID: <abc@example.com>\r\n\r\nbody\r\n');
    expect(delivered.internetMessageId).toBe('<abc@example.com>');
    const graph = t.graph(await t.control.token({ upn: 'help@relay.test', scopes: ['Mail.Read'] }));
    await expect(graph.api(`/me/messages/${delivered.id}`).select('subject').get()).resolves.toMatchObject({ subject: 'hello' });
    expect((await t.control.call('POST', '/mailboxes/nobody@relay.test/deliver', 'x', 'message/rfc822')).status).toBe(404);
  });

  test('tokens: API tokens carry the user roles and the API audience; unknown users are 404', async () => {
    const token = await t.control.token({ upn: 'agent@relay.test', audience: t.sandbox.app.apiAudience });
    expect(jwtClaims(token)).toMatchObject({ aud: t.sandbox.app.apiAudience, roles: ['Relaydesk.Admin'], scp: 'access_as_user', preferred_username: 'agent@relay.test', tid: t.sandbox.tenantId, iss: `${t.sandbox.baseUrl}/${t.sandbox.tenantId}/v2.0` });
    expect((await t.control.call('POST', '/tokens', { upn: 'ghost@relay.test' })).status).toBe(404);
  });

  test('stats count Graph requests per mailbox', async () => {
    await t.control.createMailbox('quiet@relay.test');
    expect(await t.control.stats('quiet@relay.test')).toEqual({ requests: 0, throttledUnits: 0, throttled429: 0, maxInFlight: 0, earlyRequests: 0, gatewayTimeouts: 0, deltaRequests: 0, listRequests: 0 });
    const graph = t.graph(await t.control.token({ upn: 'quiet@relay.test' }));
    await graph.api('/me/mailFolders/inbox').get();
    expect(await t.control.stats('quiet@relay.test')).toEqual({ requests: 1, throttledUnits: 1, throttled429: 0, maxInFlight: 1, earlyRequests: 0, gatewayTimeouts: 0, deltaRequests: 0, listRequests: 0 });
    // A message list and a delta page are each counted by kind too.
    await graph.api('/me/mailFolders/inbox/messages').get();
    await graph.api('/me/mailFolders/inbox/messages/delta').get();
    expect(await t.control.stats('quiet@relay.test')).toMatchObject({ requests: 3, deltaRequests: 1, listRequests: 1 });
  });
});

describe('demo tenant and restart', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-sandbox-restart-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('the seeded tenant, a trickle of demo mail, and CA + ids + refresh tokens kept across a restart', async () => {
    const first = await startTestSandbox({ dataDir, seedDemo: true, demoMail: true });
    let refreshToken = '';
    let ids: { tenantId: string; clientId: string; ca: string };
    try {
      const users = (await first.control.call<{ upn: string; roles: string[]; mailbox: boolean }[]>('GET', '/users')).body;
      expect(users.find((u) => u.upn === DEMO.admin.upn)).toMatchObject({ roles: ['Relaydesk.Admin'], mailbox: true });
      expect(users.filter((u) => u.roles.includes('Relaydesk.Agent'))).toHaveLength(2);
      expect(users.find((u) => u.upn === DEMO.support.upn)?.mailbox).toBe(true);

      const graph = first.graph(await first.control.token({ upn: DEMO.support.upn }));
      const inbox = await eventually(async () => {
        const page = (await graph.api('/me/mailFolders/inbox/messages').get()) as { value: unknown[] };
        return page.value.length >= 3 ? page.value : undefined;
      });
      expect(inbox.length).toBeGreaterThanOrEqual(3);

      const app = new ConfidentialClientApplication({ auth: { clientId: first.sandbox.app.clientId, clientSecret: first.sandbox.app.clientSecret, authority: first.sandbox.authority, knownAuthorities: [first.host] } });
      const url = await app.getAuthCodeUrl({ scopes: ['Mail.ReadWrite'], redirectUri: 'http://localhost:3000/cb' });
      const code = (await answerConsent(url, DEMO.support.upn)).params.get('code') ?? '';
      await app.acquireTokenByCode({ code, scopes: ['Mail.ReadWrite'], redirectUri: 'http://localhost:3000/cb' });
      const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
      refreshToken = Object.values(cache.RefreshToken)[0]?.secret ?? '';
      ids = { tenantId: first.sandbox.tenantId, clientId: first.sandbox.app.clientId, ca: first.sandbox.caCertPem };
    } finally {
      await first.close();
    }

    const second = await startTestSandbox({ dataDir, seedDemo: true });
    try {
      expect(second.sandbox.caCertPem).toBe(ids.ca);
      expect(second.sandbox.tenantId).toBe(ids.tenantId);
      expect(second.sandbox.app.clientId).toBe(ids.clientId);
      const app = new ConfidentialClientApplication({ auth: { clientId: second.sandbox.app.clientId, clientSecret: second.sandbox.app.clientSecret, authority: second.sandbox.authority, knownAuthorities: [second.host] } });
      const result = await app.acquireTokenByRefreshToken({ refreshToken, scopes: ['Mail.ReadWrite'] });
      expect(result?.account?.username).toBe(DEMO.support.upn);
    } finally {
      await second.close();
    }
  });
});

describe('demo mail generator', () => {
  const kinds: DemoMailKind[] = ['question', 'html', 'attachment', 'cc', 'reply', 'auto-reply', 'bounce', 'newsletter', 'noreply', 'non-ascii'];

  test('every kind is valid MIME with the markers a helpdesk filter looks for', async () => {
    const gen = new DemoMailGenerator({ to: 'support@contoso.test', seed: 42 });
    await gen.next('question');
    const parsed = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await simpleParser((await gen.next(k)).mime)] as const)));
    expect(parsed['auto-reply']?.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed['auto-reply']?.subject).toMatch(/^Automatic reply:/);
    expect(parsed['newsletter']?.headers.get('precedence')).toBe('bulk');
    expect(parsed['newsletter']?.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(true);
    expect((parsed['bounce']?.headers.get('content-type') as { value: string } | undefined)?.value).toBe('multipart/report');
    expect(parsed['reply']?.inReplyTo).toMatch(/^<.+>$/);
    expect(parsed['reply']?.subject).toMatch(/^Re: /);
    expect(parsed['attachment']?.attachments).toHaveLength(1);
    expect(parsed['cc']?.cc).toBeDefined();
    expect(parsed['non-ascii']?.subject).toMatch(/[^\x20-\x7e]/);
    expect(parsed['noreply']?.from?.value[0]?.address).toMatch(/^no-reply@/);
  });

  test('the same seed gives the same mail', async () => {
    const a = new DemoMailGenerator({ to: 'support@contoso.test', seed: 5, now: () => new Date('2024-01-01T00:00:00Z') });
    const b = new DemoMailGenerator({ to: 'support@contoso.test', seed: 5, now: () => new Date('2024-01-01T00:00:00Z') });
    const subjects = async (g: DemoMailGenerator): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < 10; i++) out.push((await g.next()).subject);
      return out;
    };
    expect(await subjects(a)).toEqual(await subjects(b));
  });

  test('spreads the mail over as many customers as asked for, the same ones for every generator', async () => {
    const senders = async (g: DemoMailGenerator): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < 300; i++) out.push((await g.next('question')).from.address);
      return out;
    };
    const few = new Set(await senders(new DemoMailGenerator({ to: 'support@contoso.test', seed: 7 })));
    expect(few.size).toBeLessThanOrEqual(10);
    const many = await senders(new DemoMailGenerator({ to: 'support@contoso.test', seed: 7, customers: 500 }));
    expect(new Set(many).size).toBeGreaterThan(150);
    const others = new Set(await senders(new DemoMailGenerator({ to: 'billing@contoso.test', seed: 8, customers: 500 })));
    // Two mailboxes' generators draw on one pool: some customers write to both.
    expect(many.some((address) => others.has(address))).toBe(true);
    const nonAscii = await new DemoMailGenerator({ to: 'support@contoso.test', seed: 9, customers: 500 }).next('non-ascii');
    expect(/[^\x20-\x7e]/.test(nonAscii.from.name) || /\.(de|jp|fr|hu)$/.test(nonAscii.from.address)).toBe(true);
  });
});
