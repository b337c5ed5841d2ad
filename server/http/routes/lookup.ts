import { Router } from 'express';
import { z } from 'zod';
import type { MessageLookup } from '../../tickets/lookup';
import { normalizeMessageId } from '../../tickets/message-id';
import { HttpError } from '../errors';

const LookupQuery = z.object({
  internetMessageId: z.string().trim().min(3).max(998),
  mailbox: z.string().trim().pipe(z.email()).optional(),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});

/** GET /api/lookup: the ticket behind an email, for the Outlook task pane (agents only). */
export function lookupRoutes(lookup: MessageLookup): Router {
  const router = Router();
  router.get('/lookup', async (req, res) => {
    const query = LookupQuery.parse(req.query);
    // The same canonical form ingest records, whatever spelling Outlook or the caller sends.
    const id = normalizeMessageId(query.internetMessageId);
    if (!id) throw new HttpError(400, 'invalid_message_id', 'internetMessageId holds no Message-ID');
    res.json(await lookup.find({ internetMessageId: id, mailbox: query.mailbox, receivedAt: query.receivedAt && new Date(query.receivedAt).toISOString() }));
  });
  return router;
}
