import express, { Router, type Express } from 'express';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { MAILBOX_STATES } from '../../mailboxes/mailbox-state';
import type { MailboxHealth } from '../../mailboxes/mailbox-health';

/** An unlinked mailbox is not reported at all. */
const REPORTED_STATES = MAILBOX_STATES.filter((s) => s !== 'unlinked');

/**
 * Prometheus metrics at /metrics: per-mailbox health read from the store at scrape time (so every instance
 * reports the same truth), plus the process's own metrics. Unauthenticated, and it names every mailbox, so it
 * is never on the public listener: createMetricsApp serves it on METRICS_PORT (loopback by default).
 */
export function metricsRoutes(mailboxHealth: () => Promise<MailboxHealth[]>): Router {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relaydesk_process_' });
  const labelNames = ['mailbox'] as const;
  const ingested = new Gauge({ name: 'relaydesk_mailbox_messages_ingested', help: 'Messages ingested from the mailbox since it was linked', labelNames, registers: [registry] });
  const lag = new Gauge({ name: 'relaydesk_mailbox_lag_seconds', help: 'Age of the oldest unread inbox message at the last sync (0 when none)', labelNames, registers: [registry] });
  const lastSync = new Gauge({ name: 'relaydesk_mailbox_last_sync_timestamp_seconds', help: 'When the mailbox was last synced', labelNames, registers: [registry] });
  const failures = new Gauge({ name: 'relaydesk_mailbox_consecutive_failures', help: 'Syncs that failed in a row', labelNames, registers: [registry] });
  const state = new Gauge({ name: 'relaydesk_mailbox_state', help: '1 for the mailbox current state', labelNames: ['mailbox', 'state'], registers: [registry] });
  const degraded = new Gauge({ name: 'relaydesk_mailbox_degraded', help: '1 while an active mailbox is failing for a reason retrying can fix, labelled with its failure class', labelNames: ['mailbox', 'failure_class'], registers: [registry] });

  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const mailboxes = await mailboxHealth();
    for (const gauge of [ingested, lag, lastSync, failures, state, degraded]) gauge.reset();
    const now = Date.now();
    for (const m of mailboxes) {
      const labels = { mailbox: m.address };
      ingested.set(labels, m.messagesIngested);
      failures.set(labels, m.consecutiveFailures);
      lag.set(labels, m.oldestUnreadAt ? Math.max(0, (now - Date.parse(m.oldestUnreadAt)) / 1000) : 0);
      if (m.lastSyncAt) lastSync.set(labels, Date.parse(m.lastSyncAt) / 1000);
      for (const s of REPORTED_STATES) state.set({ mailbox: m.address, state: s }, m.state === s ? 1 : 0);
      if (m.degraded) degraded.set({ mailbox: m.address, failure_class: m.degraded.failureClass }, 1);
    }
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

/** The metrics listener's whole app: /metrics, and 404 for anything else. */
export function createMetricsApp(mailboxHealth: () => Promise<MailboxHealth[]>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoutes(mailboxHealth));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'route_not_found', message: 'Only /metrics is served here' } }));
  // Express's default would answer with the stack trace.
  app.use(((_error, _req, res, _next) => void res.status(500).json({ error: { code: 'internal_error', message: 'Reading the metrics failed' } })) as express.ErrorRequestHandler);
  return app;
}
