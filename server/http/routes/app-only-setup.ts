import { Router } from 'express';
import { z } from 'zod';
import { appOnlySetup, MAX_SETUP_ADDRESSES } from '../../mailboxes/app-only-setup';

// `?address=a&address=b`: Express gives a string for one, an array for several.
const SetupQuery = z.object({
  address: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().trim().pipe(z.email())).min(1).max(MAX_SETUP_ADDRESSES)),
  groupName: z.string().optional(),
});

/**
 * GET /?address=…(repeatable)[&groupName=…]: the Exchange Online PowerShell that scopes the app to those
 * mailboxes (server/mailboxes/app-only-setup.ts). Admin-only, mounted at /api/mailboxes/app-only-setup; a bad
 * address answers 400 validation_failed.
 */
export function appOnlySetupRoutes(appId: string): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const { address, groupName } = SetupQuery.parse(req.query);
    res.json(appOnlySetup({ appId, addresses: address, ...(groupName !== undefined ? { groupName } : {}) }));
  });
  return router;
}
