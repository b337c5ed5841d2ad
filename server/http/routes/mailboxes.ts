import { Router } from 'express';
import { z } from 'zod';
import type { MailboxLinking } from '../../identity/mailbox-linking';
import type { MailboxRow } from '../../store/schema';
import type { Store } from '../../store/store';
import { principalOf } from '../auth';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const LinkBody = z.object({ address: z.string().trim().pipe(z.email()) });

export interface MailboxView {
  id: number;
  address: string;
  state: MailboxRow['state'];
  stateReason: string | null;
  linkedBy: string | null;
  linkedAt: string | null;
  health: {
    lastSyncAt: string | null;
    /** Age in seconds of the oldest unread message at the last sync; 0 when the inbox was caught up. */
    lagSeconds: number;
    messagesIngested: number;
    consecutiveFailures: number;
    lastError: { code: string; message: string | null } | null;
  };
}

export function mailboxView(row: MailboxRow): MailboxView {
  return {
    id: row.id,
    address: row.address,
    state: row.state,
    stateReason: row.state_reason,
    linkedBy: row.linked_by,
    linkedAt: row.linked_at,
    health: {
      lastSyncAt: row.last_sync_at,
      lagSeconds: row.oldest_unread_at ? Math.max(0, Math.round((Date.now() - Date.parse(row.oldest_unread_at)) / 1000)) : 0,
      messagesIngested: row.messages_ingested,
      consecutiveFailures: row.consecutive_failures,
      lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message } : null,
    },
  };
}

/** Admin-only mailbox linking and lifecycle, mounted at /api/mailboxes behind the admin check. */
export function mailboxRoutes(store: Store, linking: MailboxLinking): Router {
  const router = Router();
  const actor = (req: Express.Request) => {
    const p = principalOf(req);
    return `${p.email} (${p.oid})`;
  };

  router.get('/', async (_req, res) => {
    const rows = await store.mailboxes.list();
    res.json(rows.filter((r) => r.state !== 'unlinked').map(mailboxView));
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
    res.json(mailboxView(await linking.pause(Id.parse(req.params.id), actor(req))));
  });

  router.post('/:id/resume', async (req, res) => {
    res.json(mailboxView(await linking.resume(Id.parse(req.params.id), actor(req))));
  });

  router.delete('/:id', async (req, res) => {
    res.json(mailboxView(await linking.unlink(Id.parse(req.params.id), actor(req))));
  });

  return router;
}
