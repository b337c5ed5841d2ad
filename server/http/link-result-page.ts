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

export function linkResultPage(result: LinkResult, options: { nonce: string; officeJsUrl: string; appOrigin: string }): string {
  // JSON inside <script type="application/json"> must not be able to close the tag.
  const json = JSON.stringify({ type: 'relaydesk.link-result', ...result }).replace(/</g, '\\u003c');
  const title = result.ok ? 'Mailbox linked' : 'Mailbox not linked';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} - Relaydesk</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 2rem; color: #242424; }
  .card { max-width: 32rem; padding: 1.25rem 1.5rem; border-radius: 8px; border: 1px solid #d1d1d1; }
  .ok { border-left: 4px solid #107c10; } .failed { border-left: 4px solid #c50f1f; }
  code { font-size: 0.85em; color: #616161; }
</style>
</head>
<body>
<div class="card ${result.ok ? 'ok' : 'failed'}" role="status">
  <h1>${title}</h1>
  <p id="message">${escapeHtml(result.message)}</p>
  <p><code>${escapeHtml(result.code)}</code></p>
  <p>You can close this window.</p>
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
