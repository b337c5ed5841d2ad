import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { webhookRoutes } from '../../../../server/http/routes/webhooks';
import { hashClientState } from '../../../../server/inbound/push/client-state';
import { MAX_ITEMS, NotificationIntake } from '../../../../server/inbound/push/notification-intake';
import type { Store } from '../../../../server/store/store';
import { openTestStore } from '../../../support/database';

// The webhook and its intake over a real store: what reaches the mailbox (a sync request) and what is refused.

let store: Store;
let cleanup: () => Promise<void>;
let mailboxId: number;
const SECRET = 'the-client-state-of-sub-1';

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  mailboxId = (await store.mailboxes.insert('push-intake@contoso.test', null, 'active')).id;
  await store.subscriptions.save({ mailboxId, subscriptionId: 'sub-1', clientStateHash: hashClientState(SECRET), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), renewDueAt: new Date(Date.now() + 1_800_000).toISOString() });
});
afterAll(() => cleanup());

function harness() {
  const requested: number[] = [];
  const intake = new NotificationIntake(store, pino({ level: 'silent' }), async (id) => void requested.push(id));
  const app = express();
  app.use(webhookRoutes(intake));
  return { intake, requested, app };
}

const item = (subscriptionId: string, clientState: string | null) => ({ subscriptionId, clientState, changeType: 'created', resource: 'Users/x/Messages/y', tenantId: 't' });

describe('POST /webhooks/graph', () => {
  it('echoes the validation token as text/plain, exactly, without reading a body', async () => {
    const { app } = harness();
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1 <b>&amp;</b>';
    const res = await request(app).post(`/webhooks/graph?validationToken=${encodeURIComponent(token)}`).set('content-type', 'text/plain').send('');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(token);
  });

  it('accepts a notification with the right clientState and asks for a sync of its mailbox', async () => {
    const { app, requested, intake } = harness();
    const res = await request(app).post('/webhooks/graph').send({ value: [item('sub-1', SECRET), item('sub-1', SECRET)] });
    expect(res.status).toBe(202);
    // One request per mailbox per body: the items of one POST are one sync's worth.
    expect(requested).toEqual([mailboxId]);
    expect(intake.counters.snapshot()).toEqual({ accepted: 2, unknown_subscription: 0, bad_client_state: 0, invalid: 0 });
  });

  it('refuses and counts a wrong or missing clientState and an unknown subscription, asking for nothing (202: Graph would retry a 4xx for hours)', async () => {
    const { app, requested, intake } = harness();
    const res = await request(app).post('/webhooks/graph').send({ value: [item('sub-1', 'guess'), item('sub-1', null), item('sub-404', SECRET), { nonsense: true }] });
    expect(res.status).toBe(202);
    expect(requested).toEqual([]);
    expect(intake.counters.snapshot()).toEqual({ accepted: 0, unknown_subscription: 1, bad_client_state: 2, invalid: 1 });
  });

  it('answers 400 to a body that is not a notification collection, and 413 past 1 MB', async () => {
    const { app, intake } = harness();
    expect((await request(app).post('/webhooks/graph').send({ items: [] })).status).toBe(400);
    expect((await request(app).post('/webhooks/graph').set('content-type', 'application/json').send('{"value": [')).status).toBe(400);
    expect((await request(app).post('/webhooks/graph').send({ value: Array.from({ length: MAX_ITEMS + 1 }, () => ({})) })).status).toBe(400);
    expect((await request(app).post('/webhooks/graph').send({ value: [{ subscriptionId: 'x'.repeat(1_100_000) }] })).status).toBe(413);
    expect(intake.counters.snapshot().invalid).toBe(2);
  });
  it('answers 5xx when the request cannot be recorded, so Graph redelivers instead of the notification being lost', async () => {
    const intake = new NotificationIntake(store, pino({ level: 'silent' }), () => Promise.reject(new Error('database down')));
    const app = express();
    app.use(webhookRoutes(intake));
    app.use(((_e, _req, res, _next) => void res.status(500).end()) as express.ErrorRequestHandler);
    const res = await request(app).post('/webhooks/graph').send({ value: [item('sub-1', SECRET)] });
    expect(res.status).toBe(500);
  });

  it('looks up at most 20 distinct subscriptions per body: a thousand made-up ids cost no thousand queries', async () => {
    const { app, intake } = harness();
    const value = [...Array.from({ length: 999 }, (_, i) => item(`made-up-${i}`, 'x')), item('sub-1', SECRET)];
    const res = await request(app).post('/webhooks/graph').send({ value });
    expect(res.status).toBe(202);
    // The real one came after the cap: refused with the rest (Graph never mixes a stranger's ids into its posts).
    expect(intake.counters.snapshot()).toMatchObject({ accepted: 0, unknown_subscription: 1000 });
  });
});

describe('POST /webhooks/graph/lifecycle', () => {
  it('reauthorizationRequired makes the renewal due now and asks for a sync', async () => {
    const { app, requested } = harness();
    const res = await request(app).post('/webhooks/graph/lifecycle').send({ value: [{ ...item('sub-1', SECRET), lifecycleEvent: 'reauthorizationRequired' }] });
    expect(res.status).toBe(202);
    expect(requested).toEqual([mailboxId]);
    const sub = await store.subscriptions.bySubscriptionId('sub-1');
    expect(Date.parse(sub!.renew_due_at)).toBeLessThanOrEqual(Date.now());
  });

  it('ignores a lifecycle event with the wrong clientState (a stranger cannot remove our subscription)', async () => {
    const { app, requested, intake } = harness();
    const res = await request(app).post('/webhooks/graph/lifecycle').send({ value: [{ ...item('sub-1', 'guess'), lifecycleEvent: 'subscriptionRemoved' }] });
    expect(res.status).toBe(202);
    expect(requested).toEqual([]);
    expect(await store.subscriptions.bySubscriptionId('sub-1')).toBeDefined();
    expect(intake.counters.snapshot().bad_client_state).toBe(1);
  });

  it('subscriptionRemoved forgets the subscription (the lease holder makes a new one) and asks for a sync', async () => {
    const { app, requested } = harness();
    // Seen once (cached), then removed: a later notification for it is unknown.
    await request(app).post('/webhooks/graph').send({ value: [item('sub-1', SECRET)] });
    const res = await request(app).post('/webhooks/graph/lifecycle').send({ value: [{ ...item('sub-1', SECRET), lifecycleEvent: 'subscriptionRemoved' }] });
    expect(res.status).toBe(202);
    expect(await store.subscriptions.forMailbox(mailboxId)).toBeUndefined();
    expect(requested).toEqual([mailboxId, mailboxId]);
    await request(app).post('/webhooks/graph').send({ value: [item('sub-1', SECRET)] });
    expect(requested).toEqual([mailboxId, mailboxId]);
  });
});
