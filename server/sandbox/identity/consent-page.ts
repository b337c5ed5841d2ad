import type { User } from '../directory';

/**
 * The sandbox's sign-in and consent page: pick a sandbox user, see what the app asks for, Accept or Cancel.
 * It posts back to the authorize endpoint with every original parameter plus sandbox_user / sandbox_consent,
 * the same fields automated flows put in the query string.
 */

export interface ConsentPageInput {
  action: string;
  params: Record<string, string>;
  appName: string;
  users: User[];
  loginHint?: string;
  scopes: string[];
  error?: string;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const hidden = Object.entries(input.params)
    .filter(([k]) => k !== 'sandbox_user' && k !== 'sandbox_consent')
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n      ');
  const hint = input.loginHint?.toLowerCase();
  const options = input.users
    .slice()
    .sort((a, b) => a.upn.localeCompare(b.upn))
    .map((u) => `<option value="${esc(u.upn)}"${hint !== undefined && (u.upn.toLowerCase() === hint || u.mail?.toLowerCase() === hint) ? ' selected' : ''}>${esc(u.displayName)} (${esc(u.upn)})</option>`)
    .join('\n          ');
  const scopes = input.scopes.map((s) => `<li>${esc(s)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in to your account (Relaydesk sandbox)</title>
  <style>
    body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; }
    main { max-width: 440px; margin: 48px auto; background: #fff; padding: 44px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
    h1 { font-size: 24px; font-weight: 600; margin: 0 0 16px; }
    .banner { font-size: 12px; color: #605e5c; margin-bottom: 24px; }
    label { display: block; font-size: 14px; margin: 16px 0 6px; }
    select, input[type=text] { width: 100%; padding: 6px; font-size: 15px; box-sizing: border-box; }
    ul { font-size: 14px; padding-left: 20px; }
    .error { color: #a4262c; font-size: 14px; }
    .buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 28px; }
    button { min-width: 108px; padding: 6px 12px; font-size: 15px; border: 1px solid #8a8886; background: #fff; cursor: pointer; }
    button.primary { background: #0067b8; color: #fff; border-color: #0067b8; }
  </style>
</head>
<body>
  <main>
    <div class="banner">Relaydesk sandbox &middot; emulated Microsoft sign-in (no password)</div>
    <h1>Permissions requested</h1>
    <p><strong>${esc(input.appName)}</strong> would like to:</p>
    <ul id="scopes">${scopes}</ul>
    ${input.error ? `<p class="error" role="alert">${esc(input.error)}</p>` : ''}
    <form method="post" action="${esc(input.action)}">
      ${hidden}
      <label for="sandbox_user">Sign in as</label>
      ${
        input.users.length > 0
          ? `<select id="sandbox_user" name="sandbox_user">
          ${options}
        </select>`
          : `<input id="sandbox_user" name="sandbox_user" type="text" value="${esc(input.loginHint ?? '')}" autocomplete="username">`
      }
      <div class="buttons">
        <button type="submit" name="sandbox_consent" value="cancel" id="cancel">Cancel</button>
        <button type="submit" name="sandbox_consent" value="accept" id="accept" class="primary">Accept</button>
      </div>
    </form>
  </main>
</body>
</html>`;
}

/** Entra's form_post response mode: a page that posts code and state to the redirect URI. */
export function renderFormPost(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()"><form method="POST" action="${esc(redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

export function renderErrorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in error (Relaydesk sandbox)</title></head><body style="font-family:system-ui,sans-serif;max-width:560px;margin:48px auto"><h1>Sorry, but we're having trouble signing you in.</h1><p id="error">${esc(message)}</p></body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
