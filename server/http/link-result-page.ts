import type { MailboxLanguage } from '../mailboxes/mailbox-language';
import { translator } from '../outbound/message-catalog';
import { LINK_RESULT_MESSAGES } from './link-result-messages';

/**
 * The page the OAuth redirect lands on. Inside an Office dialog it reports back to the task pane with
 * messageParent; in a popup it posts to its opener; in a plain tab it is simply readable.
 */
export interface LinkResult {
  ok: boolean;
  code: string;
  message: string;
  mailbox?: { id: number; address: string; state: string };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The admin's language (from Accept-Language), for the page and the message the task pane shows. */
export function linkResultPage(result: LinkResult, options: { nonce: string; officeJsUrl: string; appOrigin: string; language?: MailboxLanguage }): string {
  const language = options.language ?? 'en-US';
  const t = translator(LINK_RESULT_MESSAGES, language);
  const message = result.ok && result.mailbox
    ? t('link.ok', { address: result.mailbox.address, purpose: result.code === 'reauthorized' ? 'reauthorize' : 'link', state: result.mailbox.state })
    : result.ok ? result.message : t('link.failed', { code: result.code, detail: result.message });
  // JSON inside <script type="application/json"> must not be able to close the tag.
  const json = JSON.stringify({ type: 'relaydesk.link-result', ...result, message }).replace(/</g, '\\u003c');
  const title = escapeHtml(t(result.ok ? 'link.title.ok' : 'link.title.failed'));
  const detail = message === result.message ? '' : `\n  <p class="detail">${escapeHtml(result.message)}</p>`;
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} - Relaydesk</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 2rem; color: #242424; }
  .card { max-width: 32rem; padding: 1.25rem 1.5rem; border-radius: 8px; border: 1px solid #d1d1d1; }
  .ok { border-left: 4px solid #107c10; } .failed { border-left: 4px solid #c50f1f; }
  code, .detail { font-size: 0.85em; color: #616161; }
</style>
</head>
<body>
<div class="card ${result.ok ? 'ok' : 'failed'}" role="status">
  <h1>${title}</h1>
  <p id="message">${escapeHtml(message)}</p>${detail}
  <p><code>${escapeHtml(result.code)}</code></p>
  <p>${escapeHtml(t('link.close'))}</p>
</div>
<script type="application/json" id="relaydesk-result">${json}</script>
<script nonce="${options.nonce}">
  (function () {
    var result = document.getElementById('relaydesk-result').textContent;
    function toOpener() {
      try { if (window.opener) window.opener.postMessage(JSON.parse(result), ${JSON.stringify(options.appOrigin)}); } catch (e) { /* opener gone */ }
    }
    var office = document.createElement('script');
    office.src = ${JSON.stringify(options.officeJsUrl)};
    office.onload = function () {
      Office.onReady(function () {
        if (Office.context && Office.context.ui && Office.context.ui.messageParent) Office.context.ui.messageParent(result);
        else toOpener();
      });
    };
    office.onerror = toOpener;
    document.head.appendChild(office);
  })();
</script>
</body>
</html>`;
}
