import { Router } from 'express';
import type { MailboxLanguage } from '../../mailboxes/mailbox-language';
import { translator } from '../../outbound/message-catalog';
import { STATUS_PAGE_MESSAGES } from '../status-page-messages';
import type { ReadinessCheck } from './health';

/**
 * `/` when a Microsoft app is configured: who is answering (version), whether it is ready, and where the add-in's
 * manifest is. Public, so it shows no data at all: no mailbox, no ticket, no credential detail, only the state
 * /readyz would report. (In sandbox mode `/` is the preview instead: routes/preview.ts.)
 */

export interface StatusPageOptions {
  version: string;
  publicOrigin: string;
  checkReady: ReadinessCheck;
}

type Health = { ready: true } | { ready: false; reason: 'migrations_pending' | 'database_unreachable' };

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function statusPageRoutes(options: StatusPageOptions): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    let health: Health;
    try {
      const { pendingMigrations } = await options.checkReady();
      health = pendingMigrations.length > 0 ? { ready: false, reason: 'migrations_pending' } : { ready: true };
    } catch {
      health = { ready: false, reason: 'database_unreachable' };
    }
    const language: MailboxLanguage = req.acceptsLanguages('en', 'it') === 'it' ? 'it-IT' : 'en-US';
    res
      .status(200)
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .send(statusPage(options, health, language));
  });
  return router;
}

function statusPage(options: StatusPageOptions, health: Health, language: MailboxLanguage): string {
  const t = translator(STATUS_PAGE_MESSAGES, language);
  const manifest = `${options.publicOrigin}/manifest.xml`;
  const state = health.ready ? t('status.health.ready') : t('status.health.not_ready', { reason: health.reason });
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relaydesk</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 2rem; max-width: 44rem; line-height: 1.5; color: #242424; }
  dt { font-weight: 600; margin-top: 0.75rem; } dd { margin: 0; }
  .ready { color: #107c10; } .not-ready { color: #c50f1f; }
</style>
</head>
<body>
<h1>${escapeHtml(t('status.title'))}</h1>
<p>${escapeHtml(t('status.intro'))}</p>
<dl>
  <dt>${escapeHtml(t('status.version'))}</dt><dd id="version">${escapeHtml(options.version)}</dd>
  <dt>${escapeHtml(t('status.health'))}</dt><dd id="health" class="${health.ready ? 'ready' : 'not-ready'}" data-state="${health.ready ? 'ready' : 'not_ready'}">${escapeHtml(state)}</dd>
  <dt>${escapeHtml(t('status.manifest'))}</dt><dd><a id="manifest" href="${escapeHtml(manifest)}">${escapeHtml(manifest)}</a><br>${escapeHtml(t('status.manifest.hint'))}</dd>
  <dt>${escapeHtml(t('status.links'))}</dt>
  <dd><a href="/addin/support.html">${escapeHtml(t('status.link.support'))}</a></dd>
  <dd><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>: ${escapeHtml(t('status.link.health'))}</dd>
  <dd>${escapeHtml(t('status.docs'))}</dd>
</dl>
</body>
</html>`;
}
