import { Router } from 'express';
import type { MailboxLifecycle } from '../../mailboxes/mailbox-lifecycle';

type Linked = Awaited<ReturnType<MailboxLifecycle['listLinked']>>[number];
export type LinkedMailboxView = Pick<Linked, 'id' | 'address' | 'state' | 'language'>;

/**
 * GET /api/linked-mailboxes: the addresses an agent can answer from (creating a ticket from an email in a
 * mailbox Relaydesk does not read). Only address, state and language: health and who linked it stay admin-only.
 */
export function linkedMailboxRoutes(lifecycle: MailboxLifecycle): Router {
  const router = Router();
  router.get('/linked-mailboxes', async (_req, res) => {
    const rows = await lifecycle.listLinked();
    const mailboxes: LinkedMailboxView[] = rows.map((m) => ({ id: m.id, address: m.address, state: m.state, language: m.language }));
    res.json({ mailboxes });
  });
  return router;
}
