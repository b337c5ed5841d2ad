import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { SettingsService } from '../../tickets/settings';
import { principalOf } from '../auth';

const SettingsPatch = z.object({ ccsEnabled: z.boolean().optional(), followersEnabled: z.boolean().optional() }).strict();

/** Helpdesk settings: agents may read them, admins change them. */
export function settingsRoutes(settings: SettingsService, requireAdmin: RequestHandler): Router {
  const router = Router();
  router.get('/settings', async (_req, res) => {
    res.json(await settings.read());
  });
  router.patch('/settings', requireAdmin, async (req, res) => {
    const patch = SettingsPatch.parse(req.body);
    res.json(await settings.update(patch, principalOf(req).email));
  });
  return router;
}
