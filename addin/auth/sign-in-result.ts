/**
 * What the sign-in dialog (addin/sign-in-dialog.ts) sends back to the pane. No DOM, no Office, no MSAL, so
 * both sides and the Node-side tests share it.
 */

export type SignInResultMessage =
  | { type: 'relaydesk.sign-in-result'; ok: true; accessToken: string; expiresOn: string; account: { username: string; name: string | null } }
  | { type: 'relaydesk.sign-in-result'; ok: false; code: string; message: string };

const TYPE = 'relaydesk.sign-in-result';

export function signInSucceeded(accessToken: string, expiresOn: Date, account: { username: string; name?: string | undefined }): string {
  const message: SignInResultMessage = { type: TYPE, ok: true, accessToken, expiresOn: expiresOn.toISOString(), account: { username: account.username, name: account.name ?? null } };
  return JSON.stringify(message);
}

export function signInFailed(code: string, message: string): string {
  return JSON.stringify({ type: TYPE, ok: false, code, message } satisfies SignInResultMessage);
}

/** The message, or null for anything else (another page's message, a truncated or tampered one). */
export function parseSignInResult(text: string): SignInResultMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const m = value as Record<string, unknown>;
  if (m['type'] !== TYPE) return null;
  if (m['ok'] === false) return typeof m['code'] === 'string' && typeof m['message'] === 'string' ? { type: TYPE, ok: false, code: m['code'], message: m['message'] } : null;
  const account = m['account'] as Record<string, unknown> | null | undefined;
  if (m['ok'] !== true || typeof m['accessToken'] !== 'string' || m['accessToken'] === '' || typeof m['expiresOn'] !== 'string' || Number.isNaN(Date.parse(m['expiresOn']))) return null;
  if (!account || typeof account['username'] !== 'string' || !(account['name'] === null || typeof account['name'] === 'string')) return null;
  return { type: TYPE, ok: true, accessToken: m['accessToken'], expiresOn: m['expiresOn'], account: { username: account['username'], name: account['name'] } };
}
