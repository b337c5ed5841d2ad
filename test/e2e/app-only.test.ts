import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { exchangePacing } from '../../server/outbound/relay-worker';
import type { Store } from '../../server/store/store';
import { createRelaydesk, type Relaydesk } from '../../server/wiring';
import { openTestStore } from '../support/database';
import { freePort } from '../support/processes/relaydesk-server';
import { eventually, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { testConfig } from '../support/test-config';

// Shared mailboxes linked in application mode: no one signs in as them. The server signs its token requests
// with the app's certificate, proves at link time that it reads each Inbox, may send as it and cannot read a
// mailbox outside the app's Exchange scope; then mail flows in and out as for any mailbox, push included.

jest.setTimeout(120_000);

const SUPPORT = 'support-shared@contoso.test';
const BILLING = 'billing-shared@contoso.test';
const OUTSIDE = 'ceo@contoso.test';
const ADMIN = 'app-admin@contoso.test';
const CUSTOMER = 'pat@customers.example';

let sandbox: TestSandbox;
let store: Store;
let rd: Relaydesk;
let origin: string;
let adminToken: string;
let agentToken: string;
const cleanups: (() => Promise<void> | void)[] = [];

interface LinkAnswer {
  status: number;
  body: { mailbox?: { id: number; state: string; authMode: string; appAccess: { scope: string; probe: string | null } | null }; authorizeUrl?: string | null; error?: { code: string; message: string; details?: { probe?: string } } };
}

async function api(method: string, pathname: string, token: string, body?: unknown): Promise<LinkAnswer> {
  const res = await fetch(`${origin}${pathname}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as LinkAnswer['body'] };
}

const linkApp = (address: string, extra: Record<string, unknown> = {}) => api('POST', '/api/mailboxes', adminToken, { address, mode: 'application', ...extra });
const setScope = (mailboxes: string[]) => sandbox.control.call('POST', '/app-scopes', { appId: sandbox.sandbox.app.clientId, mailboxes });

function customerMail(to: string, subject: string): { mime: string; messageId: string } {
  const messageId = `<app-only-${randomBytes(6).toString('hex')}@customers.example>`;
  const mime = [`From: Pat Customer <${CUSTOMER}>`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain; charset=utf-8', '', 'My order never came.', ''].join('\r\n');
  return { mime, messageId };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  cleanups.push(() => sandbox.close());
  for (const address of [SUPPORT, BILLING]) {
    const created = await sandbox.control.call('POST', '/mailboxes', { address, shared: true });
    expect(created.status).toBe(201);
  }
  await sandbox.control.createMailbox(OUTSIDE);
  await sandbox.control.createMailbox(CUSTOMER);
  await sandbox.control.createUser({ upn: ADMIN, roles: ['Relaydesk.Admin'], mailbox: true });
  await sandbox.control.createUser({ upn: 'app-agent@contoso.test', roles: ['Relaydesk.Agent'] });
  adminToken = await sandbox.control.token({ upn: ADMIN, audience: sandbox.sandbox.app.apiAudience });
  agentToken = await sandbox.control.token({ upn: 'app-agent@contoso.test', audience: sandbox.sandbox.app.apiAudience });

  const opened = await openTestStore();
  store = opened.store;
  cleanups.push(opened.cleanup);
  const port = await freePort();
  origin = `https://localhost:${port}`;
  const { config, removeDataDir } = testConfig({ PORT: String(port), PUBLIC_ORIGIN: origin, OAUTH_REDIRECT_URI: `${origin}/oauth/callback`, SYNC_INTERVAL_MS: '1000', PUSH_DEBOUNCE_MS: '200', PUSH_CHECK_INTERVAL_MS: '2000', MICROSOFT_AUTH_MODE: 'application' });
  rd = await createRelaydesk(config, { store, sandbox: sandbox.sandbox, sandboxCredential: 'certificate', relay: { pacing: exchangePacing(10_000, 10_000) } });
  cleanups.push(async () => {
    await rd.close();
    removeDataDir();
  });
  await rd.start();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('app-only access to shared mailboxes', () => {
  it('signs its token requests with the certificate, never a secret', () => {
    expect('clientCertificate' in rd.microsoft.credential).toBe(true);
    expect('clientSecret' in rd.microsoft.credential).toBe(false);
  });

  it('refuses a tenant-wide app unless the admin accepts it, and then reports it as such', async () => {
    // No scope in the sandbox: the app holds every mailbox, as Entra-consented Mail permissions do.
    const refused = await linkApp(SUPPORT);
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('app_not_scoped');
    // Without a named one, the out-of-scope mailbox read is the signed-in admin's own.
    expect(refused.body.error?.details?.probe).toBe(ADMIN);
    expect((await store.mailboxes.findByAddress(SUPPORT))?.state ?? 'none').not.toBe('active');

    const accepted = await linkApp(SUPPORT, { outOfScopeAddress: OUTSIDE, acceptTenantWide: true });
    expect(accepted.status).toBe(201);
    expect(accepted.body.authorizeUrl).toBeNull();
    expect(accepted.body.mailbox).toMatchObject({ state: 'active', authMode: 'application', appAccess: { scope: 'tenant_wide', probe: OUTSIDE } });
  });

  it('links scoped mailboxes as scoped, and the re-check of the tenant-wide one turns it scoped', async () => {
    expect((await setScope([SUPPORT, BILLING])).status).toBe(200);
    const billing = await linkApp(BILLING, { outOfScopeAddress: OUTSIDE });
    expect(billing.status).toBe(201);
    expect(billing.body.mailbox).toMatchObject({ state: 'active', appAccess: { scope: 'scoped', probe: OUTSIDE } });

    const support = await store.mailboxes.findByAddress(SUPPORT);
    const rechecked = await api('POST', `/api/mailboxes/${support!.id}/reauthorize`, adminToken, {});
    expect(rechecked.status).toBe(200);
    expect(rechecked.body.mailbox).toMatchObject({ state: 'active', appAccess: { scope: 'scoped', probe: OUTSIDE } });

    // Nothing of a grant is kept: app tokens live in memory and the flow has no refresh token.
    for (const address of [SUPPORT, BILLING]) {
      const row = await store.mailboxes.findByAddress(address);
      expect({ cache: row?.token_cache, account: row?.home_account_id, tenant: row?.tenant }).toEqual({ cache: null, account: null, tenant: sandbox.sandbox.tenantId });
    }
  });

  it('refuses a mailbox outside the scope, and one the app may read but not send as', async () => {
    await sandbox.control.call('POST', '/mailboxes', { address: 'hr-shared@contoso.test', shared: true });
    const outside = await linkApp('hr-shared@contoso.test', { outOfScopeAddress: OUTSIDE });
    expect(outside.status).toBe(403);
    expect(outside.body.error?.code).toBe('mailbox_access_denied');

    // Read but no send: the application permissions the tokens carry lose Mail.Send.
    const appId = sandbox.sandbox.app.clientId;
    const before = await sandbox.control.call<{ permissions: string[] }>('GET', `/apps/${appId}/application-permissions`);
    expect((await sandbox.control.call('PUT', `/apps/${appId}/application-permissions`, { permissions: ['Mail.ReadWrite', 'User.Read.All'] })).status).toBe(200);
    await setScope([SUPPORT, BILLING, 'hr-shared@contoso.test']);
    try {
      // A new token is needed to see the permission change: the held one still carries Mail.Send.
      await rd.appTokens.token(sandbox.sandbox.tenantId, { forceRefresh: true });
      const noSend = await linkApp('hr-shared@contoso.test', { outOfScopeAddress: OUTSIDE });
      expect(noSend.status).toBe(403);
      expect(noSend.body.error?.code).toBe('mailbox_send_denied');
    } finally {
      await sandbox.control.call('PUT', `/apps/${appId}/application-permissions`, { permissions: before.body.permissions });
      await setScope([SUPPORT, BILLING]);
      await rd.appTokens.token(sandbox.sandbox.tenantId, { forceRefresh: true });
    }
    expect(await sandbox.control.sent(OUTSIDE)).toHaveLength(0);
  });

  it('turns mail into a ticket and sends the reply from the shared address with the Relaydesk headers, subscribed for push', async () => {
    const support = (await store.mailboxes.findByAddress(SUPPORT))!;
    const { mime, messageId } = customerMail(SUPPORT, 'Where is my order?');
    await sandbox.control.deliver(SUPPORT, mime);
    const [record] = await eventually(async () => {
      const records = await store.mailMessages.findByMessageIds([messageId]);
      return records.length > 0 ? records : undefined;
    }, 30_000);
    expect(record?.ticket_id).toBeTruthy();
    // The app token could subscribe to the shared mailbox's Inbox (delegated tokens cannot).
    const subs = (await sandbox.control.call<{ mailbox: string }[]>('GET', '/subscriptions')).body.filter((s) => s.mailbox.toLowerCase() === SUPPORT);
    expect(subs).toHaveLength(1);
    expect((await store.mailboxes.findById(support.id))?.push_state).toBe('on');

    const reply = await fetch(`${origin}/api/tickets/${record!.ticket_id}/comments`, { method: 'POST', headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ body: 'It ships today.', visibility: 'public' }) });
    expect(reply.status).toBe(201);
    const answer = await eventually(async () => {
      for (const sent of await sandbox.control.sent(SUPPORT)) {
        const parsed = await simpleParser(Buffer.from(sent.mime, 'utf8'));
        if (parsed.text?.includes('It ships today.')) return parsed;
      }
      return undefined;
    }, 30_000);
    expect(answer.from?.value[0]?.address).toBe(SUPPORT);
    expect(answer.to).toMatchObject({ value: [{ address: CUSTOMER }] });
    expect(answer.inReplyTo).toBe(messageId);
    // (Auto-Submitted is set too, but Exchange strips it from submitted mail, and so does the sandbox.)
    expect(answer.headers.get('x-auto-response-suppress')).toBe('All');
    expect(answer.headers.get('x-mailer')).toBe('Relaydesk Mailer');
    expect(answer.headers.get('x-relaydesk-from-account-id')).toBe(String(support.id));
    expect(answer.headers.get('x-relaydesk-email-id')).toMatch(/^\d+$/);
  });

  it('moves only the mailbox removed from the scope to needs_reauth, with the reason', async () => {
    const support = (await store.mailboxes.findByAddress(SUPPORT))!;
    const billing = (await store.mailboxes.findByAddress(BILLING))!;
    // A mailbox out of the scope gets no notifications any more: the safety-net poll finds it out.
    expect((await setScope([BILLING])).status).toBe(200);
    const parked = await eventually(async () => {
      const row = await store.mailboxes.findById(support.id);
      return row?.state === 'needs_reauth' ? row : undefined;
    }, 30_000);
    expect(parked.state_reason).toMatch(/can no longer reach support-shared@contoso\.test \(ErrorAccessDenied\)/);

    // Billing keeps working: new mail there is still ticketed.
    const { mime, messageId } = customerMail(BILLING, 'Invoice question');
    await sandbox.control.deliver(BILLING, mime);
    await eventually(async () => ((await store.mailMessages.findByMessageIds([messageId])).length > 0 ? true : undefined), 30_000);
    expect((await store.mailboxes.findById(billing.id))?.state).toBe('active');

    const view = (await api('GET', '/api/mailboxes', adminToken)).body as unknown as { address: string; state: string; credentials: { warnings: { kind: string }[] } }[];
    const shown = view.find((m) => m.address === SUPPORT);
    expect(shown?.state).toBe('needs_reauth');
    expect(shown?.credentials.warnings.map((w) => w.kind)).toContain('consent_lost');

    // Restored in Exchange, a re-check brings it back.
    await setScope([SUPPORT, BILLING]);
    const rechecked = await api('POST', `/api/mailboxes/${support.id}/reauthorize`, adminToken, {});
    expect(rechecked.status).toBe(200);
    expect(rechecked.body.mailbox?.state).toBe('active');
  });
});
