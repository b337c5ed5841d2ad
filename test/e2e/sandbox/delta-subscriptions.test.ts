import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@microsoft/microsoft-graph-client';
import { DemoMailGenerator } from '../../../server/sandbox';
import { eventually, graphError, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Delta queries (nextLink / deltaLink rounds, changes, @removed, 410 for a lost sync state) and change
 * notifications (validation handshake, clientState, lifecycle events), through the Graph SDK.
 */

const MAILBOX = 'support@contoso.test';
const DELTA = `/users/${MAILBOX}/mailFolders/inbox/messages/delta`;
let t: TestSandbox;
let graph: Client;
let generator: DemoMailGenerator;

interface DeltaPage {
  value: { id: string; subject?: string; isRead?: boolean; '@removed'?: { reason: string } }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** Runs one delta round to its deltaLink, following nextLinks; returns everything seen and the pages. */
async function round(start: string, pageSize?: number): Promise<{ items: DeltaPage['value']; deltaLink: string; pages: number }> {
  let link: string | undefined = start;
  const items: DeltaPage['value'] = [];
  let pages = 0;
  for (;;) {
    let req = graph.api(link);
    if (pageSize) req = req.header('Prefer', `odata.maxpagesize=${pageSize}`);
    const page = (await req.get()) as DeltaPage;
    pages++;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], pages };
    link = page['@odata.nextLink'];
    if (!link) throw new Error('delta page without nextLink or deltaLink');
  }
}

beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createMailbox(MAILBOX);
  graph = t.graph(await t.control.token({ upn: MAILBOX }), { retries: false });
  generator = new DemoMailGenerator({ to: MAILBOX, seed: 11 });
});
afterAll(() => t.close());

describe('delta', () => {
  test('a first round pages the folder, later rounds return only changes, removals as @removed', async () => {
    for (let i = 0; i < 12; i++) await t.control.deliver(MAILBOX, (await generator.next('question')).mime);
    const first = await round(DELTA, 5);
    expect(first.pages).toBe(3);
    expect(first.items).toHaveLength(12);
    expect(first.deltaLink).toMatch(new RegExp(`^${t.sandbox.graphBaseUrl}/.*deltatoken=`));

    const quiet = await round(first.deltaLink);
    expect(quiet.items).toHaveLength(0);

    const added = await t.control.deliver(MAILBOX, (await generator.next('question')).mime);
    const target = first.items[0]?.id ?? '';
    await graph.api(`/users/${MAILBOX}/messages/${target}`).patch({ isRead: true });
    const moved = first.items[1]?.id ?? '';
    await graph.api(`/users/${MAILBOX}/messages/${moved}/move`).post({ destinationId: 'archive' });

    const changes = await round(quiet.deltaLink);
    expect(changes.items.find((i) => i.id === added.id)).toBeDefined();
    expect(changes.items.find((i) => i.id === target)?.isRead).toBe(true);
    expect(changes.items.find((i) => i.id === moved)?.['@removed']).toEqual({ reason: 'deleted' });
    expect(changes.items).toHaveLength(3);
  });

  test('$filter is limited to receivedDateTime ge/gt', async () => {
    const err = await graphError(graph.api(DELTA).filter('isRead eq false').get());
    expect(err.statusCode).toBe(400);
    const since = new Date(Date.now() - 60_000).toISOString();
    await expect(graph.api(DELTA).filter(`receivedDateTime ge ${since}`).get()).resolves.toHaveProperty('value');
  });

  test('a delta token whose sync state is gone answers 410 SyncStateNotFound', async () => {
    const { deltaLink } = await round(DELTA, 50);
    const reset = await t.control.call('POST', `/mailboxes/${MAILBOX}/reset-sync`);
    expect(reset.status).toBe(204);
    const err = await graphError(graph.api(deltaLink).get());
    expect(err.statusCode).toBe(410);
    expect(err.code).toBe('SyncStateNotFound');
  });

  test('a tampered token is refused, not trusted', async () => {
    const { deltaLink } = await round(DELTA, 50);
    const err = await graphError(graph.api(deltaLink.replace(/deltatoken=./, 'deltatoken=X')).get());
    expect(err.statusCode).toBe(400);
  });
});

describe('subscriptions', () => {
  interface Received {
    path: string;
    body: { value: Record<string, unknown>[] };
  }
  let server: http.Server;
  let url: string;
  const received: Received[] = [];
  let echoValidation = true;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const token = u.searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(echoValidation ? token : 'nope');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: u.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'] });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const expires = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

  test('create validates the endpoint, then notifications carry clientState; lifecycle events arrive on revoke', async () => {
    const sub = (await graph.api('/subscriptions').post({
      changeType: 'created,updated',
      notificationUrl: `${url}/notify`,
      lifecycleNotificationUrl: `${url}/lifecycle`,
      resource: `/users/${MAILBOX}/mailFolders('inbox')/messages`,
      expirationDateTime: expires(60),
      clientState: 'secret-state-123',
    })) as { id: string; expirationDateTime: string; clientState: string };
    expect(sub.clientState).toBe('secret-state-123');

    const delivered = await t.control.deliver(MAILBOX, (await generator.next('question')).mime);
    const note = await eventually(() => received.find((r) => r.path === '/notify' && r.body.value.some((v) => String(v['resource']).endsWith(delivered.id))));
    const item = note.body.value.find((v) => String(v['resource']).endsWith(delivered.id));
    expect(item).toMatchObject({ subscriptionId: sub.id, changeType: 'created', clientState: 'secret-state-123', tenantId: t.sandbox.tenantId });
    expect(item?.['resourceData']).toMatchObject({ '@odata.type': '#Microsoft.Graph.Message', id: delivered.id });

    const renewed = (await graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: expires(120) })) as { expirationDateTime: string };
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));

    await t.control.revoke(MAILBOX);
    const lifecycle = await eventually(() => received.find((r) => r.path === '/lifecycle'));
    expect(lifecycle.body.value[0]).toMatchObject({ subscriptionId: sub.id, lifecycleEvent: 'reauthorizationRequired' });

    graph = t.graph(await t.control.token({ upn: MAILBOX }), { retries: false });
    await graph.api(`/subscriptions/${sub.id}`).delete();
    expect((await graphError(graph.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });

  test('an endpoint that does not echo the validationToken fails creation with 400', async () => {
    echoValidation = false;
    try {
      const err = await graphError(graph.api('/subscriptions').post({ changeType: 'created', notificationUrl: `${url}/notify`, resource: `/users/${MAILBOX}/messages`, expirationDateTime: expires(60) }));
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe('InvalidRequest');
    } finally {
      echoValidation = true;
    }
  });

  test('an expiration beyond the maximum lifetime is refused', async () => {
    const err = await graphError(graph.api('/subscriptions').post({ changeType: 'created', notificationUrl: `${url}/notify`, resource: `/users/${MAILBOX}/messages`, expirationDateTime: expires(20_000) }));
    expect(err.statusCode).toBe(400);
  });
});
