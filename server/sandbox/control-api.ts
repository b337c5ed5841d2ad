import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { controlError, parse } from './control-json';
import { DEMO_MAIL_KINDS, DemoDelivery } from './demo-delivery';
import { DEMO_CUSTOMER_ADDRESSES } from './demo-tenant';
import { mountAppAccessRoutes } from './control-app-access';
import { DirectoryError, type User } from './directory';
import { faultsSchema } from './faults';
import type { SandboxServices } from './graph/graph-types';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from './identity/scopes';
import type { Mailbox } from './mail-store';

/**
 * The control API under /sandbox/: the contract tests, benchmarks and operators use to set the sandbox up and
 * look inside it. Plain JSON, no authentication (it listens on loopback, for local use only).
 */

const MAX_DELIVER_BYTES = '50mb';

const userSchema = z.object({
  upn: z.string().min(3),
  displayName: z.string().min(1).optional(),
  roles: z.array(z.string()).optional(),
  /** Extension: also give the user a mailbox (POST /sandbox/mailboxes does it for an address). */
  mailbox: z.boolean().optional(),
  /** Extension: put the user in another tenant (created on first use). */
  tenantId: z.string().uuid().optional(),
});
const mailboxSchema = z.object({
  address: z.string().min(3),
  displayName: z.string().min(1).optional(),
  /** Extension: the owner signs in as this UPN while mail is addressed to `address` (default: the address). */
  upn: z.string().min(3).optional(),
  /** An Exchange shared mailbox: its account is created disabled, so nobody can sign in as it. */
  shared: z.boolean().optional(),
});
const revokeSchema = z.object({ upn: z.string().min(1) });
const tokenSchema = z
  .object({
    upn: z.string().optional(),
    scopes: z.array(z.string()).optional(),
    roles: z.array(z.string()).optional(),
    audience: z.string().optional(),
    /** Extension: a lifetime in seconds; negative mints an already expired token. */
    expiresInSeconds: z.number().int().optional(),
  })
  .refine((b) => b.upn !== undefined || b.scopes === undefined, { message: 'scopes need a upn (delegated token); app-only tokens take roles' });
/** Extension: hold a subscription's notifications back (a delivery failure Graph would later report as `missed`). */
const holdSchema = z.object({ held: z.boolean() });
/** Extension: one demo email of a kind (default: the demo's realistic mix). */
const demoMailSchema = z.object({ kind: z.enum(DEMO_MAIL_KINDS).optional() });
const lifecycleSchema = z.object({ lifecycleEvent: z.enum(['reauthorizationRequired', 'missed', 'subscriptionRemoved']) });

export interface ControlInfo {
  baseUrl: string;
  tenantId: string;
  authority: string;
  caCertPath: string;
  caSpkiSha256: string;
  /** Persists the app registration's changeable settings (permissions, certificates). */
  saveApp: () => void;
}

export function controlRouter(services: SandboxServices, info: ControlInfo): Router {
  const router = express.Router();
  const { directory, store, identity, throttle, faults, transport, subscriptions } = services;
  const app = directory.app;

  const ensureMailbox = (user: User): { mailbox: Mailbox; created: boolean } => store.ensureMailbox({ guid: user.oid, address: user.mail ?? user.upn, displayName: user.displayName, tenantId: user.tenantId });
  const mailboxOr404 = (req: Request, res: Response): Mailbox | undefined => {
    const mb = store.mailboxByAddress(String(req.params['address'] ?? ''));
    if (!mb) res.status(404).json(controlError('MailboxNotFound', `No sandbox mailbox '${String(req.params['address'])}'.`));
    return mb;
  };

  router.get('/', (_req, res) => {
    const { saveApp: _save, ...shown } = info;
    void _save;
    res.json({ ...shown, graphBaseUrl: services.graphBaseUrl, app: { clientId: app.clientId, clientSecret: app.clientSecret, apiAudience: app.apiAudience, apiScope: `${app.apiIdentifierUri}/${app.apiScopes[0] ?? 'access_as_user'}` } });
  });

  router.get('/users', (_req, res) => {
    res.json(directory.allUsers().map((u) => userJson(u, store.mailboxByGuid(u.oid) !== undefined)));
  });

  router.post('/users', express.json(), (req, res) => {
    const body = parse(userSchema, req.body, res);
    if (!body) return;
    try {
      const { user, created } = directory.upsertUser({ upn: body.upn, ...(body.displayName ? { displayName: body.displayName } : {}), ...(body.roles ? { roles: body.roles } : {}), ...(body.tenantId ? { tenantId: body.tenantId } : {}) });
      if (body.mailbox) ensureMailbox(user);
      res.status(created ? 201 : 200).json(userJson(user, store.mailboxByGuid(user.oid) !== undefined));
    } catch (err) {
      if (err instanceof DirectoryError) res.status(err.code === 'AddressInUse' ? 409 : 400).json(controlError(err.code, err.message));
      else throw err;
    }
  });

  router.post('/mailboxes', express.json(), (req, res) => {
    const body = parse(mailboxSchema, req.body, res);
    if (!body) return;
    try {
      // A mailbox belongs to a user who can sign in (Relaydesk links a mailbox by signing in as it). Without
      // a UPN, an address that is already some user's mailbox address means that user.
      const holder = directory.findUser(body.address.trim());
      const upn = (body.upn ?? holder?.upn ?? body.address).trim();
      if (holder && holder.upn.toLowerCase() !== upn.toLowerCase()) {
        res.status(409).json(controlError('AddressInUse', `'${body.address}' already belongs to ${holder.upn}.`));
        return;
      }
      // A user mailbox does not turn into a shared one here, nor back (Exchange converts them; the sandbox does not).
      const shared = body.shared === true;
      const existing = directory.findUser(upn);
      if (existing && existing.shared !== shared) {
        res.status(409).json(controlError('MailboxTypeConflict', `${existing.upn} is a ${existing.shared ? 'shared' : 'user'} mailbox's account.`));
        return;
      }
      const { user } = directory.upsertUser({ upn, shared, ...(body.displayName ? { displayName: body.displayName } : {}) });
      const current = store.mailboxByGuid(user.oid);
      if (current && current.address.toLowerCase() !== body.address.trim().toLowerCase()) {
        res.status(409).json(controlError('MailboxExists', `${user.upn} already has the mailbox ${current.address}.`));
        return;
      }
      directory.assignMail(user, body.address);
      const { mailbox, created } = ensureMailbox(user);
      res.status(created ? 201 : 200).json({ id: mailbox.guid, address: mailbox.address, upn: user.upn, displayName: mailbox.displayName, tenantId: mailbox.tenantId, shared: user.shared });
    } catch (err) {
      if (err instanceof DirectoryError) res.status(err.code === 'AddressInUse' ? 409 : 400).json(controlError(err.code, err.message));
      else throw err;
    }
  });

  router.post('/mailboxes/:address/deliver', express.raw({ type: () => true, limit: MAX_DELIVER_BYTES }), async (req, res) => {
    const mailbox = mailboxOr404(req, res);
    if (!mailbox) return;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (raw.length === 0) {
      res.status(400).json(controlError('EmptyMessage', 'Send the raw RFC 822 message as the body (Content-Type: message/rfc822).'));
      return;
    }
    const folderName = typeof req.query['folder'] === 'string' ? req.query['folder'] : 'inbox';
    const folder = store.folder(mailbox, folderName);
    if (!folder.ok) {
      res.status(400).json(controlError('UnknownFolder', `No folder '${folderName}'.`));
      return;
    }
    const receivedRaw = typeof req.query['receivedDateTime'] === 'string' ? Date.parse(req.query['receivedDateTime']) : undefined;
    if (receivedRaw !== undefined && Number.isNaN(receivedRaw)) {
      res.status(400).json(controlError('InvalidDate', 'receivedDateTime must be an ISO 8601 date.'));
      return;
    }
    const m = await store.deliver(mailbox, raw, { folder: folder.value, ...(receivedRaw !== undefined ? { receivedAt: receivedRaw } : {}), isRead: req.query['isRead'] === 'true' });
    res.status(201).json({ id: store.restId(m), internetMessageId: m.fields.internetMessageId });
  });

  const demo = new DemoDelivery(store, transport, DEMO_CUSTOMER_ADDRESSES);
  router.post('/mailboxes/:address/demo-mail', express.json(), async (req, res) => {
    const mailbox = mailboxOr404(req, res);
    if (!mailbox) return;
    const body = parse(demoMailSchema, req.body ?? {}, res);
    if (!body) return;
    res.status(201).json(await demo.deliver(mailbox, body.kind));
  });

  router.get('/mailboxes/:address/sent', (req, res) => {
    const mailbox = mailboxOr404(req, res);
    if (!mailbox) return;
    const wanted = typeof req.query['internetMessageId'] === 'string' ? req.query['internetMessageId'] : undefined;
    res.json(
      transport
        .sentBy(mailbox)
        .filter((r) => !wanted || r.internetMessageId === wanted)
        .map((r) => ({
          id: store.restId(r.message),
          internetMessageId: r.internetMessageId,
          mime: r.mime.toString('utf8'),
          submittedAt: new Date(r.submittedAt).toISOString(),
          sentAt: r.sentAt === undefined ? null : new Date(r.sentAt).toISOString(),
          filedAt: r.filedAt === undefined ? null : new Date(r.filedAt).toISOString(),
        })),
    );
  });

  router.post('/mailboxes/:address/reset-sync', (req, res) => {
    const mailbox = mailboxOr404(req, res);
    if (!mailbox) return;
    store.resetSync(mailbox);
    res.status(204).end();
  });

  router.get('/stats', (req, res) => {
    const mailbox = typeof req.query['mailbox'] === 'string' ? req.query['mailbox'] : undefined;
    // Token requests concern the app, not a mailbox: they are in the totals only.
    res.json(mailbox ? throttle.statsOf(mailbox) : { ...throttle.statsOf(), identity: { tokenRequests: identity.tokenRequests.snapshot() } });
  });

  router.post('/stats/reset', (_req, res) => {
    throttle.resetStats();
    identity.tokenRequests.reset();
    res.status(204).end();
  });

  router.get('/faults', (_req, res) => {
    res.json(faults.current);
  });

  router.put('/faults', express.json(), (req, res) => {
    const body = parse(faultsSchema, req.body, res);
    if (!body) return;
    faults.set(body);
    res.json(faults.current);
  });

  /** The user a `{upn}` body names, or undefined once a 400 or 404 was answered. */
  const namedUser = (req: Request, res: Response): User | undefined => {
    const body = parse(revokeSchema, req.body, res);
    if (!body) return undefined;
    const user = directory.findUser(body.upn);
    if (!user) res.status(404).json(controlError('UserNotFound', `No sandbox user '${body.upn}'.`));
    return user;
  };

  router.post('/grants/revoke', express.json(), (req, res) => {
    const user = namedUser(req, res);
    if (!user) return;
    res.json({ upn: user.upn, revokedRefreshTokens: identity.revoke(user) });
  });

  router.post('/tokens/expire', express.json(), (req, res) => {
    const user = namedUser(req, res);
    if (!user) return;
    res.json({ upn: user.upn, expiredAt: new Date(identity.expireAccessTokens(user)).toISOString() });
  });

  router.post('/tokens', express.json(), (req, res) => {
    const body = parse(tokenSchema, req.body, res);
    if (!body) return;
    const aud = (body.audience ?? GRAPH_RESOURCE).replace(/\/+$/, '');
    let resource: string;
    if (aud === GRAPH_RESOURCE || aud === GRAPH_APP_ID) resource = GRAPH_RESOURCE;
    else if (aud === app.apiAudience || aud === app.apiIdentifierUri) resource = app.apiAudience;
    else {
      res.status(400).json(controlError('UnknownAudience', `Audience must be ${GRAPH_RESOURCE} or the app's API (${app.apiAudience} / ${app.apiIdentifierUri}).`));
      return;
    }
    let user: User | undefined;
    if (body.upn !== undefined) {
      user = directory.findUser(body.upn);
      if (!user) {
        res.status(404).json(controlError('UserNotFound', `No sandbox user '${body.upn}'.`));
        return;
      }
      // Nobody signs in as a disabled account (a shared mailbox), so no delegated token exists for one.
      if (!user.accountEnabled) {
        res.status(400).json(controlError('UserDisabled', `AADSTS50057: The user account is disabled. (${user.upn})`));
        return;
      }
    }
    const defaultScopes = resource === GRAPH_RESOURCE ? ['Mail.ReadWrite', 'Mail.Send', 'User.Read'] : app.apiScopes;
    const issued = identity.issuer.accessToken({
      clientId: app.clientId,
      tenantId: user?.tenantId ?? app.tenantId,
      resource,
      ...(user ? { user, scopes: body.scopes ?? defaultScopes } : {}),
      ...(body.roles ? { roles: body.roles } : !user && resource === GRAPH_RESOURCE ? { roles: app.graphApplicationPermissions } : {}),
      clientAuth: '1',
      ...(body.expiresInSeconds !== undefined ? { lifetimeSeconds: body.expiresInSeconds } : {}),
    });
    res.json({ token_type: 'Bearer', access_token: issued.token, expires_in: issued.expiresIn, ...(user ? { scope: (body.scopes ?? defaultScopes).join(' ') } : {}) });
  });

  router.get('/subscriptions', (_req, res) => {
    res.json(subscriptions.inspect());
  });

  router.post('/subscriptions/:id/hold', express.json(), (req, res) => {
    const body = parse(holdSchema, req.body, res);
    if (!body) return;
    if (!subscriptions.hold(String(req.params['id']), body.held)) {
      res.status(404).json(controlError('SubscriptionNotFound', 'No such subscription.'));
      return;
    }
    res.status(204).end();
  });

  router.post('/subscriptions/:id/lifecycle', express.json(), (req, res) => {
    const body = parse(lifecycleSchema, req.body, res);
    if (!body) return;
    if (!subscriptions.fireLifecycle(String(req.params['id']), body.lifecycleEvent)) {
      res.status(404).json(controlError('SubscriptionNotFound', 'No such subscription.'));
      return;
    }
    res.status(202).end();
  });

  mountAppAccessRoutes(router, services, info.saveApp);

  return router;
}

function userJson(u: User, hasMailbox: boolean): Record<string, unknown> {
  return { id: u.oid, upn: u.upn, displayName: u.displayName, roles: u.roles, tenantId: u.tenantId, mailbox: hasMailbox, accountEnabled: u.accountEnabled, shared: u.shared };
}
