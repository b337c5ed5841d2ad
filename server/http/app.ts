import { randomUUID } from 'node:crypto';
import express, { Router, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { MailboxLinking } from '../identity/mailbox-linking';
import type { MicrosoftApp } from '../identity/microsoft-app';
import type { TokenVerifier } from '../identity/token-verifier';
import type { FromMessageService } from '../inbound/from-message';
import type { DeadLetters } from '../inbound/ingest/dead-letters';
import { requestLogSerializer, type Logger } from '../logger';
import type { AppCredentialInfo } from '../mailboxes/credential-health';
import type { MailboxLifecycle } from '../mailboxes/mailbox-lifecycle';
import type { MessageLookup } from '../tickets/lookup';
import type { SettingsService } from '../tickets/settings';
import type { StaffDirectory } from '../tickets/staff';
import type { TicketService } from '../tickets/ticket-service';
import { authenticate, requireRole } from './auth';
import { errorHandler, HttpError, notFoundHandler } from './errors';
import { deadLetterRoutes } from './routes/dead-letters';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { lookupRoutes } from './routes/lookup';
import { addinRoutes, type AddinRouteOptions } from './routes/addin';
import { previewRoutes, type PreviewRouteOptions } from './routes/preview';
import { statusPageRoutes } from './routes/status-page';
import { mailboxRoutes, mailboxSettingsRoutes } from './routes/mailboxes';
import { appOnlySetupRoutes } from './routes/app-only-setup';
import type { AppOnlyLinking } from '../identity/app-only-linking';
import type { MailboxAuthMode } from '../mailboxes/mailbox-access';
import { oauthCallbackRoutes } from './routes/oauth-callback';
import { fromMessageRoutes } from './routes/from-message';
import { settingsRoutes } from './routes/settings';
import { linkedMailboxRoutes } from './routes/linked-mailboxes';
import { staffRoutes } from './routes/staff';
import { ticketRoutes } from './routes/tickets';
import { webhookRoutes, type WebhookIntake } from './routes/webhooks';
import { apiRateLimits, DEFAULT_API_RATE_LIMITS, type ApiRateLimits } from './rate-limit';
import { noStore, securityHeaders } from './security-headers';

/** The domain services the API speaks to; http never reaches the store itself. */
export interface AppServices {
  tickets: TicketService;
  fromMessage: FromMessageService;
  staff: StaffDirectory;
  settings: SettingsService;
  lookup: MessageLookup;
  deadLetters: DeadLetters;
  mailboxes: MailboxLifecycle;
  checkReady: ReadinessCheck;
}

export interface AppDependencies {
  services: AppServices;
  logger: Logger;
  /** Undefined when no identity provider is configured: the API then answers 503 auth_not_configured. */
  tokenVerifier: TokenVerifier | undefined;
  /** Mailbox linking; undefined when no Microsoft app (nor the sandbox) is available. */
  microsoft?:
    | {
        app: MicrosoftApp;
        linking: MailboxLinking;
        /** App-only linking (application permissions); `linkMode` is what a link request gets when it does not say. */
        appOnly?: AppOnlyLinking | undefined;
        linkMode?: MailboxAuthMode;
        officeJsUrl: string;
        publicOrigin: string;
        appCredential?: AppCredentialInfo;
      }
    | undefined;
  /** The built Outlook add-in and this server's origin; undefined serves no add-in. */
  addin?: AddinRouteOptions | undefined;
  /** /api rate limits (config.ts); default DEFAULT_API_RATE_LIMITS. */
  rateLimits?: ApiRateLimits;
  /** What `/` shows: the preview in sandbox mode, else a status page with no data; undefined: nothing. */
  home?: { preview: PreviewRouteOptions } | { status: { version: string; publicOrigin: string } } | undefined;
  /** Microsoft Graph change notifications (/webhooks/graph); undefined serves none. */
  webhooks?: WebhookIntake | undefined;
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
      serializers: { req: requestLogSerializer },
    }),
  );

  app.use(securityHeaders);
  const { services } = deps;
  app.use(healthRoutes(services.checkReady));

  const api = Router();
  const limits = apiRateLimits(deps.rateLimits ?? DEFAULT_API_RATE_LIMITS);
  api.use(noStore, limits.perIp);
  // Public: the task pane needs it before it can sign in.
  api.get('/auth/config', (_req, res) => {
    if (!deps.microsoft) throw new HttpError(503, 'auth_not_configured', 'No Microsoft app is configured');
    res.json({ ...deps.microsoft.app.api, mailboxLinkMode: deps.microsoft.linkMode ?? 'delegated' });
  });
  // Authenticate before parsing, so strangers cannot make the server read large bodies.
  api.use(authenticate(deps.tokenVerifier, services.staff));
  api.use(limits.perUser);
  // Before the JSON parser: a message with its attachments is larger than any other request (it checks the role itself).
  api.use(fromMessageRoutes(services.fromMessage, services.staff));
  api.use(express.json({ limit: JSON_LIMIT }));
  const admin = requireRole('admin');
  if (deps.microsoft) {
    const { linking, appOnly, linkMode, appCredential } = deps.microsoft;
    // Before the mailbox routes, whose /:id would take it for a mailbox.
    api.use('/mailboxes/app-only-setup', admin, appOnlySetupRoutes(deps.microsoft.app.clientId));
    api.use('/mailboxes', admin, mailboxRoutes({ delegated: linking, appOnly, defaultMode: linkMode ?? 'delegated' }, services.mailboxes, appCredential));
  }
  api.use('/mailboxes', admin, mailboxSettingsRoutes(services.mailboxes));
  api.use('/dead-letters', admin, deadLetterRoutes(services.deadLetters));
  // Everything below is for agents (admins included); end users get 403.
  api.use(requireRole('agent'));
  // The pane's most frequent requests first (one lookup per email selected): each router passed costs a match per route.
  api.use(lookupRoutes(services.lookup));
  api.use(ticketRoutes(services.tickets, services.staff));
  api.use(settingsRoutes(services.settings, admin));
  api.use(staffRoutes(services.staff));
  api.use(linkedMailboxRoutes(services.mailboxes));
  // Before the routers below, which no /api request needs to walk through (the pane calls /api most).
  app.use('/api', api);

  // Public and unauthenticated (Graph calls it; clientState is its proof), with its own bounded body parser.
  if (deps.webhooks) app.use(webhookRoutes(deps.webhooks));
  // No /metrics here: it names every mailbox, so it has its own loopback listener (createMetricsApp, server/wiring.ts).
  if (deps.addin) app.use(addinRoutes(deps.addin));
  if (deps.home) app.use('preview' in deps.home ? previewRoutes(deps.home.preview) : statusPageRoutes({ ...deps.home.status, checkReady: services.checkReady }));
  if (deps.microsoft) app.use(oauthCallbackRoutes(deps.microsoft.linking, { officeJsUrl: deps.microsoft.officeJsUrl, appOrigin: deps.microsoft.publicOrigin }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
