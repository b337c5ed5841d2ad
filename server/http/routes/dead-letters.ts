import { Router } from 'express';
import { z } from 'zod';
import { DEAD_LETTER_STATES, type DeadLetters } from '../../inbound/ingest/dead-letters';
import { principalOf } from '../auth';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ListQuery = z.object({ state: z.enum(DEAD_LETTER_STATES).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Admin-only: mail that could not be processed, to replay after a fix or to discard. Mounted at /api/dead-letters. */
export function deadLetterRoutes(deadLetters: DeadLetters): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = ListQuery.parse(req.query);
    res.json(await deadLetters.list(query));
  });

  router.post('/:id/replay', async (req, res) => {
    const id = Id.parse(req.params.id);
    const outcome = await deadLetters.replay(id, principalOf(req).email);
    res.json({ id, outcome });
  });

  router.post('/:id/discard', async (req, res) => {
    const id = Id.parse(req.params.id);
    await deadLetters.discard(id, principalOf(req).email);
    res.json({ id, state: 'discarded' });
  });

  return router;
}
