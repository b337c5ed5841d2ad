import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { AppScopes } from '../app-scopes';
import type { Directory, User } from '../directory';
import type { Folder, Mailbox, MailStore, StoreEvent } from '../mail-store';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { globalRoute, json, jsonBody, noContent, type Caller, type GlobalRouteContext, type GraphResponse, type LifecycleEvent, type Route, type SubscriptionLifecycle, type SubscriptionSnapshot } from './graph-types';

/**
 * Change notifications: `/subscriptions` with the validationToken handshake, notifications carrying
 * clientState to notificationUrl, and lifecycle events (reauthorizationRequired, missed, subscriptionRemoved)
 * to lifecycleNotificationUrl. Outgoing calls use global fetch, so they trust what the process trusts.
 */

/** Outlook message subscriptions may live up to 10,080 minutes (just under 7 days). */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;
const VALIDATION_TIMEOUT_MS = 10_000;
/** Graph expects a 2xx within 3 seconds, then retries with back-off. */
const NOTIFY_TIMEOUT_MS = 3_000;
const RETRY_DELAYS_MS = [1_000, 4_000];
const MAX_CLIENT_STATE = 128;
const MAX_BATCH_NOTIFICATIONS = 100;


interface Subscription {
  id: string;
  resource: string;
  changeTypes: Set<string>;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expiration: number;
  applicationId: string;
  creatorId: string;
  /** Set for delegated subscriptions: revoking this user's grants needs reauthorization. */
  delegatedUserOid?: string;
  tenantId: string;
  mailboxGuid: string;
  folderKey?: number;
  /** While reauthorization is pending Graph holds notifications back; the client hears "missed" afterwards. */
  paused: boolean;
  missed: boolean;
  /** Held by the control API: changes are dropped silently (a delivery failure), the owner hears nothing. */
  held: boolean;
  mailboxAddress: string;
  renewals: { at: string; by: string }[];
}

export class SubscriptionService implements SubscriptionLifecycle {
  private readonly subs = new Map<string, Subscription>();
  private readonly queue = new Map<string, Record<string, unknown>[]>();
  private flushScheduled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: MailStore,
    private readonly directory: Directory,
    private readonly logger: Logger,
    private readonly graphBaseUrl: string,
    /** App-only subscriptions see nothing of a mailbox that has left their app's scope. */
    private readonly appScopes?: AppScopes,
  ) {
    store.onChange((e) => this.onStoreEvent(e));
    this.sweeper = setInterval(() => this.sweep(), 1_000);
    this.sweeper.unref();
  }

  routes(): Route[] {
    return [
      globalRoute('POST', 'subscriptions', (ctx) => this.create(ctx)),
      globalRoute('GET', 'subscriptions', (ctx) => json(200, { '@odata.context': `${this.graphBaseUrl}/$metadata#subscriptions`, value: [...this.subs.values()].filter((s) => s.applicationId === ctx.caller.appId).map((s) => this.render(s)) })),
      globalRoute('GET', 'subscriptions/:id', (ctx) => json(200, this.render(this.owned(ctx)))),
      globalRoute('PATCH', 'subscriptions/:id', (ctx) => this.renew(ctx)),
      globalRoute('DELETE', 'subscriptions/:id', (ctx) => {
        const s = this.owned(ctx);
        this.subs.delete(s.id);
        return noContent();
      }),
      globalRoute('POST', 'subscriptions/:id/reauthorize', (ctx) => {
        this.reauthorize(this.owned(ctx));
        return noContent();
      }),
    ];
  }

  /** Revocation of a user's grants: their delegated subscriptions need reauthorization. */
  onRevoke(user: User): void {
    for (const s of this.subs.values()) if (s.delegatedUserOid === user.oid) this.requireReauthorization(s);
  }

  /** Fires a lifecycle event by hand (control API), with the side effects Graph attaches to it. */
  fireLifecycle(id: string, event: LifecycleEvent): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    if (event === 'reauthorizationRequired') this.requireReauthorization(s);
    else {
      if (event === 'subscriptionRemoved') this.subs.delete(s.id);
      this.sendLifecycle(s, event);
    }
    return true;
  }

  hold(id: string, held: boolean): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    s.held = held;
    return true;
  }

  inspect(): SubscriptionSnapshot[] {
    return [...this.subs.values()].map((s) => ({ id: s.id, resource: s.resource, mailbox: s.mailboxAddress, expirationDateTime: new Date(s.expiration).toISOString(), creatorId: s.creatorId, held: s.held, renewals: s.renewals.map((r) => ({ ...r })) }));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async create(ctx: GlobalRouteContext): Promise<GraphResponse> {
    const body = jsonBody(ctx.req);
    const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const changeType = str('changeType');
    const notificationUrl = str('notificationUrl');
    const resource = str('resource');
    const expiration = str('expirationDateTime');
    if (!changeType || !notificationUrl || !resource || !expiration) throw invalid('changeType, notificationUrl, resource and expirationDateTime are required.');
    const changeTypes = new Set(changeType.split(',').map((c) => c.trim()));
    for (const c of changeTypes) if (!['created', 'updated', 'deleted'].includes(c)) throw invalid(`Invalid changeType '${c}'.`);
    checkUrl(notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = str('lifecycleNotificationUrl');
    if (lifecycleNotificationUrl) checkUrl(lifecycleNotificationUrl, 'lifecycleNotificationUrl');
    const clientState = str('clientState');
    if (clientState && clientState.length > MAX_CLIENT_STATE) throw invalid(`clientState must be at most ${MAX_CLIENT_STATE} characters.`);
    const expiresAt = checkExpiration(expiration);
    const target = this.resolveResource(resource, ctx.caller);
    requireMailAccess(ctx.caller, target.mailbox, 'read');

    await validateEndpoint(notificationUrl);
    if (lifecycleNotificationUrl) await validateEndpoint(lifecycleNotificationUrl);

    const sub: Subscription = {
      id: crypto.randomUUID(),
      resource,
      changeTypes,
      notificationUrl,
      ...(lifecycleNotificationUrl ? { lifecycleNotificationUrl } : {}),
      ...(clientState ? { clientState } : {}),
      expiration: expiresAt,
      applicationId: ctx.caller.appId,
      creatorId: ctx.caller.user?.oid ?? ctx.caller.appId,
      ...(ctx.caller.user ? { delegatedUserOid: ctx.caller.user.oid } : {}),
      tenantId: ctx.caller.tenantId,
      mailboxGuid: target.mailbox.guid,
      ...(target.folder ? { folderKey: target.folder.key } : {}),
      paused: false,
      missed: false,
      held: false,
      mailboxAddress: target.mailbox.address,
      renewals: [],
    };
    this.subs.set(sub.id, sub);
    return json(201, this.render(sub));
  }

  private renew(ctx: GlobalRouteContext): GraphResponse {
    const s = this.owned(ctx);
    const body = jsonBody(ctx.req);
    if (typeof body['expirationDateTime'] !== 'string') throw invalid('expirationDateTime is required.');
    // An app renewing its own subscription needs the mailbox still in its reach (scope or permission removed: 403).
    const mailbox = this.store.mailboxByGuid(s.mailboxGuid);
    if (!ctx.caller.user && mailbox) requireMailAccess(ctx.caller, mailbox, 'read');
    s.expiration = checkExpiration(body['expirationDateTime']);
    s.renewals.push({ at: new Date().toISOString(), by: ctx.caller.user?.oid ?? ctx.caller.appId });
    // Renewing with a valid token reauthorizes, as in Graph.
    this.reauthorize(s);
    return json(200, this.render(s));
  }

  private reauthorize(s: Subscription): void {
    if (!s.paused) return;
    s.paused = false;
    if (s.missed) {
      s.missed = false;
      this.sendLifecycle(s, 'missed');
    }
  }

  private requireReauthorization(s: Subscription): void {
    s.paused = true;
    this.sendLifecycle(s, 'reauthorizationRequired');
  }

  private owned(ctx: GlobalRouteContext): Subscription {
    const s = this.subs.get(ctx.params['id'] ?? '');
    if (!s || s.applicationId !== ctx.caller.appId) throw new GraphError(404, 'ResourceNotFound', 'The object was not found.');
    return s;
  }

  private resolveResource(resource: string, caller: Caller): { mailbox: Mailbox; folder?: Folder } {
    const m = /^\/?(?:(me)|users\/([^/]+)|users\('([^']+)'\))\/(?:mailfolders\('([^']+)'\)\/|mailfolders\/([^/]+)\/)?messages\/?$/i.exec(resource.split('?')[0] ?? '');
    if (!m) throw invalid(`Resource '${resource}' is not supported: use /users/{id}/messages or /users/{id}/mailFolders('{id}')/messages.`);
    const userKey = m[1] ? undefined : (m[2] ?? m[3] ?? '');
    if (userKey === undefined && !caller.user) throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
    const user = userKey === undefined ? caller.user : this.directory.findUser(decodeURIComponent(userKey));
    if (!user || user.tenantId !== caller.tenantId) throw new GraphError(404, 'ResourceNotFound', `Resource '${resource}' was not found.`);
    const mailbox = this.store.mailboxByGuid(user.oid);
    if (!mailbox) throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    const folderKey = m[4] ?? m[5];
    if (!folderKey) return { mailbox };
    const folder = this.store.folder(mailbox, decodeURIComponent(folderKey));
    if (!folder.ok) throw new GraphError(404, 'ResourceNotFound', `Folder '${folderKey}' was not found.`);
    return { mailbox, folder: folder.value };
  }

  private render(s: Subscription): Record<string, unknown> {
    return {
      '@odata.context': `${this.graphBaseUrl}/$metadata#subscriptions/$entity`,
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: [...s.changeTypes].join(','),
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(s.expiration).toISOString(),
      creatorId: s.creatorId,
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  private onStoreEvent(e: StoreEvent): void {
    if (this.subs.size === 0) return;
    for (const s of this.subs.values()) {
      if (s.mailboxGuid !== e.message.mailbox.guid) continue;
      if (s.folderKey !== undefined && s.folderKey !== e.folder.key) continue;
      if (!s.changeTypes.has(e.type)) continue;
      if (!s.delegatedUserOid && this.appScopes && !this.appScopes.allows(s.applicationId, e.message.mailbox)) continue;
      if (s.paused) {
        s.missed = true;
        continue;
      }
      if (s.held) continue;
      const resource = `Users/${s.mailboxGuid}/Messages/${e.id}`;
      const item: Record<string, unknown> = {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: new Date(s.expiration).toISOString(),
        changeType: e.type,
        resource,
        resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': resource, '@odata.etag': `W/"${e.message.version}"`, id: e.id },
        clientState: s.clientState ?? null,
        tenantId: s.tenantId,
      };
      const list = this.queue.get(s.id) ?? [];
      list.push(item);
      this.queue.set(s.id, list);
    }
    if (this.queue.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      // Coalesce a burst of changes into one POST per subscription, as Graph batches notifications.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [id, items] of this.queue) {
      this.queue.delete(id);
      const s = this.subs.get(id);
      if (!s) continue;
      for (let i = 0; i < items.length; i += MAX_BATCH_NOTIFICATIONS) {
        this.deliver(s, s.notificationUrl, { value: items.slice(i, i + MAX_BATCH_NOTIFICATIONS) }, 0, true);
      }
    }
  }

  private sendLifecycle(s: Subscription, event: LifecycleEvent): void {
    if (!s.lifecycleNotificationUrl) return;
    const item = { subscriptionId: s.id, subscriptionExpirationDateTime: new Date(s.expiration).toISOString(), tenantId: s.tenantId, clientState: s.clientState ?? null, lifecycleEvent: event };
    this.deliver(s, s.lifecycleNotificationUrl, { value: [item] }, 0, false);
  }

  private deliver(s: Subscription, url: string, payload: unknown, attempt: number, isChange: boolean): void {
    if (this.closed) return;
    void postJson(url, payload).then((ok) => {
      if (ok || this.closed) return;
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        this.logger.warn({ subscriptionId: s.id, url }, 'sandbox notification dropped after retries');
        if (isChange) this.sendLifecycle(s, 'missed');
        return;
      }
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.deliver(s, url, payload, attempt + 1, isChange);
      }, delay);
      this.timers.add(t);
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of this.subs.values()) if (s.expiration <= now) this.subs.delete(s.id);
  }
}

function invalid(message: string): GraphError {
  return new GraphError(400, 'InvalidRequest', message);
}

function checkUrl(url: string, name: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`The ${name} '${url}' is not a valid URL.`);
  }
  // Graph requires https; the sandbox also accepts http on loopback, where a local Relaydesk listens.
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw invalid(`The ${name} must be an https URL.`);
}

function checkExpiration(value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`expirationDateTime '${value}' is not a valid date.`);
  const now = Date.now();
  if (t <= now) throw invalid('Subscription expiration must be in the future.');
  if (t > now + MAX_SUBSCRIPTION_MINUTES * 60_000) throw invalid(`Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
  return t;
}

/** The handshake: POST {url}?validationToken=..., expect 200 with the token echoed as text within 10 s. */
async function validateEndpoint(url: string): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
  const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
  let ok = false;
  try {
    const res = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS) });
    const text = await res.text();
    // Graph wants the token back as text/plain, byte for byte.
    ok = res.status === 200 && (res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/plain') && text === token;
  } catch {
    ok = false;
  }
  if (!ok) throw new GraphError(400, 'InvalidRequest', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
}

async function postJson(url: string, payload: unknown): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

