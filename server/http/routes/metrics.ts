import express, { Router, type Express } from 'express';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { WEBHOOK_OUTCOMES, type WebhookOutcome } from '../../inbound/push/webhook-counters';
import { MAILBOX_STATES } from '../../mailboxes/mailbox-state';
import type { MailboxHealth } from '../../mailboxes/mailbox-health';
import type { AppCredentialInfo } from '../../mailboxes/credential-health';

/** An unlinked mailbox is not reported at all. */
const REPORTED_STATES = MAILBOX_STATES.filter((s) => s !== 'unlinked');

/**
 * Prometheus metrics at /metrics: per-mailbox health read from the store at scrape time (so every instance
 * reports the same truth), plus the process's own metrics. Unauthenticated, and it names every mailbox, so it
 * is never on the public listener: createMetricsApp serves it on METRICS_PORT (loopback by default).
 */
export function metricsRoutes(mailboxHealth: () => Promise<MailboxHealth[]>, webhookCounts?: () => Readonly<Record<WebhookOutcome, number>>, appCredential?: AppCredentialInfo): Router {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relaydesk_process_' });
  if (webhookCounts) {
    new Counter({
      name: 'relaydesk_webhook_notifications_total',
      help: 'Change-notification items this instance received, by outcome (refused ones name no subscription of ours or carry the wrong clientState)',
      labelNames: ['outcome'],
      registers: [registry],
      // The counts live with the webhook; each scrape copies them.
      collect() {
        const counts = webhookCounts();
        this.reset();
        for (const outcome of WEBHOOK_OUTCOMES) this.inc({ outcome }, counts[outcome]);
      },
    });
  }
  const labelNames = ['mailbox'] as const;
  const ingested = new Gauge({ name: 'relaydesk_mailbox_messages_ingested', help: 'Messages ingested from the mailbox since it was linked', labelNames, registers: [registry] });
  const lag = new Gauge({ name: 'relaydesk_mailbox_lag_seconds', help: 'Age of the oldest unread inbox message at the last sync (0 when none)', labelNames, registers: [registry] });
  const lastSync = new Gauge({ name: 'relaydesk_mailbox_last_sync_timestamp_seconds', help: 'When the mailbox was last synced', labelNames, registers: [registry] });
  const failures = new Gauge({ name: 'relaydesk_mailbox_consecutive_failures', help: 'Syncs that failed in a row', labelNames, registers: [registry] });
  const state = new Gauge({ name: 'relaydesk_mailbox_state', help: '1 for the mailbox current state', labelNames: ['mailbox', 'state'], registers: [registry] });
  const degraded = new Gauge({ name: 'relaydesk_mailbox_degraded', help: '1 while an active mailbox is failing for a reason retrying can fix, labelled with its failure class', labelNames: ['mailbox', 'failure_class'], registers: [registry] });

  const tokenIdle = new Gauge({ name: 'relaydesk_mailbox_refresh_token_idle_seconds', help: 'Time since Microsoft last redeemed (or granted) the mailbox refresh token; Entra drops it at 90 days', labelNames, registers: [registry] });
  const tokenExpiresIn = new Gauge({ name: 'relaydesk_mailbox_refresh_token_expires_in_seconds', help: 'Time left before Entra drops the mailbox refresh token unless it is used', labelNames, registers: [registry] });
  const appExpiresIn = new Gauge({ name: 'relaydesk_app_credential_expires_in_seconds', help: 'Time left before the app client secret or certificate expires (only when known)', labelNames: ['kind'], registers: [registry] });
  const pushOn = new Gauge({ name: 'relaydesk_mailbox_push_on', help: '1 while Graph change notifications are on for the mailbox; 0 while it is only polled', labelNames, registers: [registry] });
  const deadLetters = new Gauge({ name: 'relaydesk_mailbox_dead_letters', help: 'Dead letters of the mailbox waiting for an admin (neither replayed nor discarded)', labelNames, registers: [registry] });
  const outboxWaiting = new Gauge({ name: 'relaydesk_mailbox_outbox_waiting', help: 'Emails from the mailbox queued, waiting for a retry, or being sent', labelNames, registers: [registry] });
  const outboxOldest = new Gauge({ name: 'relaydesk_mailbox_outbox_oldest_waiting_seconds', help: 'Age of the oldest email from the mailbox not yet sent (0 when none waits)', labelNames, registers: [registry] });
  const outboxFailed = new Gauge({ name: 'relaydesk_mailbox_outbox_failed', help: 'Emails from the mailbox the relay gave up on', labelNames, registers: [registry] });

  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const mailboxes = await mailboxHealth();
    for (const gauge of [ingested, lag, lastSync, failures, state, degraded, tokenIdle, tokenExpiresIn, appExpiresIn, pushOn, deadLetters, outboxWaiting, outboxOldest, outboxFailed]) gauge.reset();
    const now = Date.now();
    if (appCredential?.expiresAt) appExpiresIn.set({ kind: appCredential.kind }, (Date.parse(appCredential.expiresAt) - now) / 1000);
    for (const m of mailboxes) {
      const labels = { mailbox: m.address };
      ingested.set(labels, m.messagesIngested);
      failures.set(labels, m.consecutiveFailures);
      lag.set(labels, m.oldestUnreadAt ? Math.max(0, (now - Date.parse(m.oldestUnreadAt)) / 1000) : 0);
      if (m.lastSyncAt) lastSync.set(labels, Date.parse(m.lastSyncAt) / 1000);
      for (const s of REPORTED_STATES) state.set({ mailbox: m.address, state: s }, m.state === s ? 1 : 0);
      if (m.refreshTokenLastGoodAt) tokenIdle.set(labels, Math.max(0, (now - Date.parse(m.refreshTokenLastGoodAt)) / 1000));
      if (m.refreshTokenExpiresAt) tokenExpiresIn.set(labels, (Date.parse(m.refreshTokenExpiresAt) - now) / 1000);
      if (m.degraded) degraded.set({ mailbox: m.address, failure_class: m.degraded.failureClass }, 1);
      pushOn.set(labels, m.pushOn ? 1 : 0);
      deadLetters.set(labels, m.openDeadLetters);
      outboxWaiting.set(labels, m.outbox.waiting);
      outboxOldest.set(labels, m.outbox.oldestWaitingAt ? Math.max(0, (now - Date.parse(m.outbox.oldestWaitingAt)) / 1000) : 0);
      outboxFailed.set(labels, m.outbox.failed);
    }
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

/** The metrics listener's whole app: /metrics, and 404 for anything else. */
export function createMetricsApp(mailboxHealth: () => Promise<MailboxHealth[]>, webhookCounts?: () => Readonly<Record<WebhookOutcome, number>>, appCredential?: AppCredentialInfo): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoutes(mailboxHealth, webhookCounts, appCredential));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'route_not_found', message: 'Only /metrics is served here' } }));
  // Express's default would answer with the stack trace.
  app.use(((_error, _req, res, _next) => void res.status(500).json({ error: { code: 'internal_error', message: 'Reading the metrics failed' } })) as express.ErrorRequestHandler);
  return app;
}
