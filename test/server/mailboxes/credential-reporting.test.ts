import express from 'express';
import request from 'supertest';
import { healthRoutes } from '../../../server/http/routes/health';
import { createMetricsApp } from '../../../server/http/routes/metrics';
import { credentialsReadiness, mailboxHealth } from '../../../server/mailboxes/mailbox-health';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

/**
 * What operators see of credentials before they break: /metrics gauges per mailbox and for the app, and
 * /readyz's credential detail, which never makes an instance unready.
 */

const DAY = 24 * 60 * 60 * 1000;
let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const idle = await store.mailboxes.insert('idle-grant@contoso.test', null, 'active');
  await store.mailboxes.update(idle.id, { grant_issued_at: new Date(Date.now() - 100 * DAY).toISOString(), refresh_token_used_at: new Date(Date.now() - 85 * DAY).toISOString() });
  const fresh = await store.mailboxes.insert('fresh-grant@contoso.test', null, 'active');
  await store.mailboxes.update(fresh.id, { grant_issued_at: new Date().toISOString() });
  const lost = await store.mailboxes.insert('lost-grant@contoso.test', null, 'active');
  await store.mailboxes.update(lost.id, { state: 'needs_reauth', grant_issued_at: new Date(Date.now() - 10 * DAY).toISOString() });
});
afterAll(() => cleanup?.());

/** The value of `metric{labels}` in a Prometheus text answer. */
function valueOf(text: string, metric: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('/metrics', () => {
  it('reports each grant’s idle time and time left, and the app credential’s expiry when known', async () => {
    const res = await request(createMetricsApp(() => mailboxHealth(store), undefined, { kind: 'secret', expiresAt: new Date(Date.now() + 3 * DAY).toISOString() })).get('/metrics');
    expect(res.status).toBe(200);
    const idle = valueOf(res.text, 'relaydesk_mailbox_refresh_token_idle_seconds', 'mailbox="idle-grant@contoso.test"')!;
    const left = valueOf(res.text, 'relaydesk_mailbox_refresh_token_expires_in_seconds', 'mailbox="idle-grant@contoso.test"')!;
    expect(Math.round(idle / 86_400)).toBe(85);
    expect(Math.round(left / 86_400)).toBe(5);
    expect(Math.round(valueOf(res.text, 'relaydesk_mailbox_refresh_token_expires_in_seconds', 'mailbox="fresh-grant@contoso.test"')! / 86_400)).toBe(90);
    // A lost grant has no refresh token to count down.
    expect(valueOf(res.text, 'relaydesk_mailbox_refresh_token_expires_in_seconds', 'mailbox="lost-grant@contoso.test"')).toBeUndefined();
    expect(Math.round(valueOf(res.text, 'relaydesk_app_credential_expires_in_seconds', 'kind="secret"')! / 86_400)).toBe(3);
  });

  it('says nothing of the app credential when its expiry is unknown', async () => {
    const res = await request(createMetricsApp(() => mailboxHealth(store))).get('/metrics');
    expect(res.text).not.toMatch(/^relaydesk_app_credential_expires_in_seconds\{/m);
  });
});

describe('/readyz credentials', () => {
  it('counts warnings (the app credential once) and names the critical ones, while staying ready', async () => {
    const detail = await credentialsReadiness(store, { kind: 'certificate', expiresAt: new Date(Date.now() + 12 * 60 * 60 * 1000).toISOString() });
    // idle-grant: warning; lost-grant: consent lost (critical); the certificate: critical, counted once.
    expect(detail.warnings).toBe(3);
    expect(detail.critical.sort()).toEqual(['app', 'lost-grant@contoso.test']);
    const app = express().use(healthRoutes(async () => ({ pendingMigrations: [], credentials: detail })));
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', credentials: { warnings: 3, critical: ['app', 'lost-grant@contoso.test'] } });
  });

  it('answers as before when there is nothing to say', async () => {
    const app = express().use(healthRoutes(async () => ({ pendingMigrations: [], credentials: { warnings: 0, critical: [] } })));
    expect((await request(app).get('/readyz')).body).toEqual({ status: 'ready' });
  });
});
