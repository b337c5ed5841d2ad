import { Router } from 'express';
import { agentView, type StaffDirectory } from '../../tickets/staff';
import { principalOf } from '../auth';

/** Who the caller is, and whom tickets can be assigned to. Behind the agent check of the caller's router. */
export function staffRoutes(staff: StaffDirectory): Router {
  const router = Router();

  // The caller's staff row is made on first use, so the pane knows its own id (assign to me, my queue).
  router.get('/me', async (req, res) => {
    res.json(agentView(await staff.ensure(principalOf(req))));
  });

  router.get('/agents', async (_req, res) => {
    res.json({ agents: await staff.list() });
  });

  return router;
}
