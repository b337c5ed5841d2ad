import { randomUUID } from 'node:crypto';
import express, { Router, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { TokenVerifier } from '../identity/token-verifier';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { TicketService } from '../tickets/ticket-service';
import { authenticate, requireRole } from './auth';
import { errorHandler, notFoundHandler } from './errors';
import { healthRoutes } from './routes/health';
import { ticketRoutes } from './routes/tickets';

export interface AppDependencies {
  store: Store;
  logger: Logger;
  /** Undefined when no identity provider is configured: the API then answers 503 auth_not_configured. */
  tokenVerifier: TokenVerifier | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_LIMIT = '2mb';

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: deps.logger,
      // A caller's (or proxy's) request id is kept so one id follows a request across systems.
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.use(healthRoutes(deps.store));

  const api = Router();
  // Authenticate before parsing, so strangers cannot make the server read large bodies.
  api.use(authenticate(deps.tokenVerifier));
  api.use(express.json({ limit: JSON_LIMIT }));
  api.use(requireRole('agent'), ticketRoutes(deps.store, new TicketService(deps.store)));
  app.use('/api', api);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
