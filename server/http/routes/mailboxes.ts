import { Router } from 'express';
import { z } from 'zod';
import type { MailboxLinking } from '../../identity/mailbox-linking';
import type { MailboxLifecycle } from '../../mailboxes/mailbox-lifecycle';
import { MAILBOX_LANGUAGES } from '../../mailboxes/mailbox-language';
import { mailboxView } from '../../mailboxes/mailbox-view';
import { principalOf } from '../auth';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const LinkBody = z.object({ address: z.string().trim().pipe(z.email()) });
const SettingsBody = z.strictObject({ language: z.enum(MAILBOX_LANGUAGES) });

const actorOf = (req: Express.Request) => {
  const p = principalOf(req);
  return `${p.email} (${p.oid})`;
};

/** Admin-only mailbox linking and lifecycle, mounted at /api/mailboxes behind the admin check. */
export function mailboxRoutes(linking: MailboxLinking, lifecycle: MailboxLifecycle): Router {
  const router = Router();
  const actor = actorOf;

  router.get('/', async (_req, res) => {
    res.json((await lifecycle.listLinked()).map(mailboxView));
  });

  router.post('/', async (req, res) => {
    const { address } = LinkBody.parse(req.body);
    const { mailbox, authorizeUrl } = await linking.start(address, actor(req));
    res.status(201).json({ id: mailbox.id, address: mailbox.address, state: mailbox.state, authorizeUrl });
  });

  router.post('/:id/reauthorize', async (req, res) => {
    const { authorizeUrl } = await linking.reauthorize(Id.parse(req.params.id), actor(req));
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
    const { language } = SettingsBody.parse(req.body);
    res.json(mailboxView(await lifecycle.setLanguage(id, language, actorOf(req))));
  });
  return router;
}
