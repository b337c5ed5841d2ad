import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { IntakeAnswer } from '../../inbound/push/notification-intake';
import { LIFECYCLE_PATH, NOTIFICATION_PATH } from '../../inbound/push/push-settings';

/** What the webhook hands notifications to (server/inbound/push/notification-intake.ts). */
export interface WebhookIntake {
  notifications(body: unknown): Promise<IntakeAnswer>;
  lifecycle(body: unknown): Promise<IntakeAnswer>;
}

/** Graph's batches are far smaller; the limit keeps strangers from making the server read large bodies. */
const BODY_LIMIT = '1mb';
/** Graph's tokens are a sentence long; a longer one is not Graph's. */
const MAX_VALIDATION_TOKEN = 1_024;

/**
 * Microsoft Graph's change-notification endpoints, public and unauthenticated: Graph proves itself with the
 * subscription's clientState, which the intake checks per item. Answers come at once (Graph wants a 2xx within
 * 3 seconds and retries for hours otherwise); the sync the notification asks for runs later, elsewhere.
 */
export function webhookRoutes(intake: WebhookIntake): Router {
  const router = Router();
  const json = express.json({ limit: BODY_LIMIT, type: () => true });
  const endpoint = (handle: (body: unknown) => Promise<IntakeAnswer>) => [
    // The validation handshake comes first and reads no body: it must be answered within 10 seconds.
    (req: Request, res: Response, next: () => void) => {
      const token = req.query['validationToken'];
      if (token === undefined) return next();
      if (typeof token !== 'string' || token.length > MAX_VALIDATION_TOKEN) {
        res.status(400).type('text/plain; charset=utf-8').send('Bad validation token');
        return;
      }
      // text/plain with nosniff (securityHeaders): the echoed text can never be read as a page.
      res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(token);
    },
    json,
    async (req: Request, res: Response) => {
      const answer = await handle(req.body);
      res.status(answer.status).end();
    },
  ];
  router.post(NOTIFICATION_PATH, ...endpoint((body) => intake.notifications(body)));
  router.post(LIFECYCLE_PATH, ...endpoint((body) => intake.lifecycle(body)));
  // Body-parser's own errors (too large: 413, malformed JSON: 400) answered here, without the API's JSON shape.
  router.use(((error, _req, res, next) => {
    const status = (error as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).end();
      return;
    }
    next(error);
  }) as ErrorRequestHandler);
  return router;
}
