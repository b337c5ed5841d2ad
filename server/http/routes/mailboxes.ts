import { Router } from 'express';
import { z } from 'zod';
import type { AppOnlyLinking } from '../../identity/app-only-linking';
import type { MailboxLinking } from '../../identity/mailbox-linking';
import type { MailboxAuthMode } from '../../mailboxes/mailbox-access';
import type { MailboxLifecycle } from '../../mailboxes/mailbox-lifecycle';
import { MAILBOX_LANGUAGES } from '../../mailboxes/mailbox-language';
import { mailboxView } from '../../mailboxes/mailbox-view';
import type { AppCredentialInfo } from '../../mailboxes/credential-health';
import { LinkError } from '../../identity/link-errors';
import { principalOf } from '../auth';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Email = z.string().trim().pipe(z.email());
const ScopeCheck = { outOfScopeAddress: Email.optional(), acceptTenantWide: z.boolean().optional() };
const LinkBody = z.object({ address: Email, firstSync: z.enum(['ask', 'all_unread']).optional(), mode: z.enum(['delegated', 'application']).optional(), ...ScopeCheck });
const RecheckBody = z.object(ScopeCheck);
const AfterIngestBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.enum(['mark_read', 'leave_unread']) }),
  z.strictObject({ action: z.literal('move'), folder: z.string().trim().min(1).max(255) }),
]);
const SettingsBody = z
  .strictObject({ language: z.enum(MAILBOX_LANGUAGES).optional(), afterIngest: AfterIngestBody.optional() })
  .refine((b) => b.language !== undefined || b.afterIngest !== undefined, { message: 'Send language or afterIngest' });
const FirstSyncBody = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('all_unread') }),
  z.strictObject({ mode: z.literal('from_now') }),
  z.strictObject({ mode: z.literal('last_days'), days: z.number().int().min(1).max(365) }),
]);

const actorOf = (req: Express.Request) => {
  const p = principalOf(req);
  return `${p.email} (${p.oid})`;
};

/** How mailboxes are linked: delegated consent, and (when set up) app-only; `defaultMode` when a request does not say. */
export interface LinkModes {
  delegated: MailboxLinking;
  appOnly?: AppOnlyLinking | undefined;
  defaultMode: MailboxAuthMode;
}

/** Admin-only mailbox linking and lifecycle, mounted at /api/mailboxes behind the admin check. */
export function mailboxRoutes(modes: LinkModes, lifecycle: MailboxLifecycle, appCredential?: AppCredentialInfo): Router {
  const router = Router();
  const actor = actorOf;
  const linking = modes.delegated;
  const appOnlyLinking = (): AppOnlyLinking => {
    if (!modes.appOnly) throw new LinkError('app_only_unavailable', 'App-only linking is not available on this server');
    return modes.appOnly;
  };

  router.get('/', async (_req, res) => {
    res.json((await lifecycle.listLinked()).map((row) => mailboxView(row, appCredential)));
  });

  router.post('/', async (req, res) => {
    const { address, firstSync, mode, outOfScopeAddress, acceptTenantWide } = LinkBody.parse(req.body);
    if ((mode ?? modes.defaultMode) === 'application') {
      // No consent page: the app's own token proves its access now, and the mailbox is linked or refused at once.
      const principal = principalOf(req);
      const row = await appOnlyLinking().link({ address, actor: actor(req), actorAddress: principal.email, outOfScopeAddress, acceptTenantWide, firstSync: firstSync ?? 'all_unread' });
      res.status(201).json({ id: row.id, address: row.address, state: row.state, authorizeUrl: null, mailbox: mailboxView(row, appCredential) });
      return;
    }
    // 'ask': nothing is synced until an admin chooses what the first sync takes (POST /:id/first-sync).
    const { mailbox, authorizeUrl } = await linking.start(address, actor(req), { firstSync: firstSync ?? 'all_unread' });
    res.status(201).json({ id: mailbox.id, address: mailbox.address, state: mailbox.state, authorizeUrl });
  });

  router.post('/:id/reauthorize', async (req, res) => {
    const id = Id.parse(req.params.id);
    if (modes.appOnly && (await modes.appOnly.isAppOnly(id))) {
      const { outOfScopeAddress, acceptTenantWide } = RecheckBody.parse(req.body ?? {});
      const row = await modes.appOnly.recheck(id, { actor: actor(req), actorAddress: principalOf(req).email, outOfScopeAddress, acceptTenantWide });
      res.json({ authorizeUrl: null, mailbox: mailboxView(row, appCredential) });
      return;
    }
    const { authorizeUrl } = await linking.reauthorize(id, actor(req));
    res.json({ authorizeUrl });
  });

  router.post('/:id/pause', async (req, res) => {
    res.json(mailboxView(await lifecycle.pause(Id.parse(req.params.id), actor(req))));
  });

  router.post('/:id/resume', async (req, res) => {
    res.json(mailboxView(await lifecycle.resume(Id.parse(req.params.id), actor(req))));
  });

  router.delete('/:id', async (req, res) => {
    res.json(mailboxView(await lifecycle.unlink(Id.parse(req.params.id), actor(req))));
  });

  return router;
}

/**
 * Admin-only mailbox settings, mounted at /api/mailboxes behind the admin check. Apart from linking, since
 * they need no Microsoft app: a mailbox's settings stay editable while linking is not configured.
 */
export function mailboxSettingsRoutes(lifecycle: MailboxLifecycle): Router {
  const router = Router();
  router.patch('/:id', async (req, res) => {
    const id = Id.parse(req.params.id);
    const { language, afterIngest } = SettingsBody.parse(req.body);
    // The folder lookup can refuse: it goes first, so a refused request changes nothing.
    let row = afterIngest ? await lifecycle.setAfterIngest(id, afterIngest, actorOf(req)) : undefined;
    if (language !== undefined) row = await lifecycle.setLanguage(id, language, actorOf(req));
    res.json(mailboxView(row!));
  });

  /** What the first sync would take: `{ unread, oldest, newest, choice: { mode, days } | null }`. */
  router.get('/:id/first-sync', async (req, res) => {
    res.json(await lifecycle.firstSyncPreview(Id.parse(req.params.id)));
  });

  router.post('/:id/first-sync', async (req, res) => {
    const id = Id.parse(req.params.id);
    const choice = FirstSyncBody.parse(req.body);
    res.json(mailboxView(await lifecycle.chooseFirstSync(id, choice, actorOf(req))));
  });
  return router;
}
