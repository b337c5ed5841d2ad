import { Router } from 'express';
/**
 * Throws when the database is unreachable; lists migrations the database is behind on; may tell of credential
 * warnings, which never make an instance unready (it still serves every mailbox whose grant works).
 */
export type ReadinessCheck = () => Promise<{ pendingMigrations: string[]; credentials?: { warnings: number; critical: string[] } }>;

/** Liveness and readiness for load balancers and service managers; no authentication. */
export function healthRoutes(checkReady: ReadinessCheck): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    try {
      const { pendingMigrations, credentials } = await checkReady();
      if (pendingMigrations.length > 0) {
        res.status(503).json({ status: 'not_ready', reason: 'migrations_pending', pendingMigrations });
        return;
      }
      // Only when there is something to say: a healthy instance answers as it always has.
      res.json(credentials && credentials.warnings > 0 ? { status: 'ready', credentials } : { status: 'ready' });
    } catch (error) {
      req.log.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'not_ready', reason: 'database_unreachable' });
    }
  });
  return router;
}
