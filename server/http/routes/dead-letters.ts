import { Router } from 'express';
import { z } from 'zod';
import { replayDeadLetter } from '../../inbound/ingest/replay';
import type { SyncSettings } from '../../inbound/sync/mailbox-sync';
import type { Store } from '../../store/store';
import { principalOf } from '../auth';
import { HttpError } from '../errors';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ListQuery = z.object({ state: z.enum(['open', 'replayed', 'discarded']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Admin-only: mail that could not be processed, to replay after a fix or to discard. Mounted at /api/dead-letters. */
export function deadLetterRoutes(store: Store, settings: Pick<SyncSettings, 'messageIdDomain' | 'burstBlockMs' | 'burst' | 'parseDeadlineMs'>): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = ListQuery.parse(req.query);
    res.json(await store.deadLetters.list(query));
  });

  router.post('/:id/replay', async (req, res) => {
    const id = Id.parse(req.params.id);
    const outcome = await replayDeadLetter(store, id, settings);
    await store.audit.record({ actor: principalOf(req).email, action: 'dead_letter.replayed', targetType: 'dead_letter', targetId: id, details: { outcome: outcome.kind } });
    res.json({ id, outcome });
  });

  router.post('/:id/discard', async (req, res) => {
    const id = Id.parse(req.params.id);
    const letter = await store.deadLetters.findById(id);
    if (!letter) throw new HttpError(404, 'not_found', `Dead letter ${id} not found`);
    if (letter.state !== 'open') throw new HttpError(409, 'not_open', `Dead letter ${id} was already ${letter.state}`);
    await store.deadLetters.resolve(id, 'discarded');
    await store.audit.record({ actor: principalOf(req).email, action: 'dead_letter.discarded', targetType: 'dead_letter', targetId: id });
    res.json({ id, state: 'discarded' });
  });

  return router;
}
