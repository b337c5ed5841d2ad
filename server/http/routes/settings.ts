import { Router } from 'express';
import { z } from 'zod';
import type { Store } from '../../store/store';
import { readSettings, updateSettings } from '../../tickets/settings';
import { principalOf } from '../auth';

const SettingsPatch = z.object({ ccsEnabled: z.boolean().optional(), followersEnabled: z.boolean().optional() }).strict();

/** Helpdesk settings: agents may read them, admins change them. */
export function settingsRoutes(store: Store, requireAdmin: import('express').RequestHandler): Router {
  const router = Router();
  router.get('/settings', async (_req, res) => {
    res.json(await readSettings(store));
  });
  router.patch('/settings', requireAdmin, async (req, res) => {
    const patch = SettingsPatch.parse(req.body);
    res.json(await store.transaction((repos) => updateSettings(repos, patch, principalOf(req).email)));
  });
  return router;
}
