import { LogLevel, PublicClientApplication, type AccountInfo, type AuthenticationResult } from '@azure/msal-browser';

/**
 * Browser entry of the MSAL test page (bundled by esbuild at test time; see ../msal-test-page.ts). A
 * PublicClientApplication for the sandbox; the "Sign in" button runs loginPopup, then acquireTokenSilent (from
 * the cache) and acquireTokenSilent with forceRefresh (a cross-origin refresh-token redemption), and writes what
 * came back into the DOM: #status, #username, #claims, and everything as JSON in #result or #error.
 *
 * The repository's tsconfig has no DOM library (it is a Node project), so the few DOM members used here are
 * typed locally.
 */

export interface MsalTestPageConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  redirectUri: string;
  scopes: string[];
}

/** What #result holds after a successful run. */
export interface MsalTestPageResult {
  username: string;
  tenantId: string;
  popup: TokenView;
  silent: TokenView;
  refreshed: TokenView;
}

export interface TokenView {
  username: string;
  fromCache: boolean;
  scopes: string[];
  accessToken: string;
  claims: Record<string, unknown>;
}

/** What #error holds after a failed run. */
export interface MsalTestPageError {
  name: string;
  errorCode?: string;
  subError?: string;
  errorMessage?: string;
  message: string;
}

interface El {
  textContent: string | null;
  value: string;
  disabled: boolean;
  addEventListener(type: string, listener: () => void): void;
}
interface Doc {
  getElementById(id: string): El | null;
}
const doc = (globalThis as unknown as { document: Doc }).document;

function el(id: string): El {
  const found = doc.getElementById(id);
  if (!found) throw new Error(`#${id} missing from the page`);
  return found;
}

function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function view(r: AuthenticationResult): TokenView {
  return { username: r.account.username, fromCache: r.fromCache, scopes: r.scopes, accessToken: r.accessToken, claims: claimsOf(r.accessToken) };
}

const config = JSON.parse(el('msal-config').textContent ?? '{}') as MsalTestPageConfig;
const pca = new PublicClientApplication({
  auth: { clientId: config.clientId, authority: config.authority, knownAuthorities: config.knownAuthorities, redirectUri: config.redirectUri },
  system: {
    loggerOptions: {
      logLevel: LogLevel.Warning,
      loggerCallback: (level, message) => (level === LogLevel.Error ? console.error(message) : console.warn(message)),
    },
  },
});
const ready = pca.initialize();

async function signIn(): Promise<void> {
  const button = el('sign-in');
  button.disabled = true;
  el('status').textContent = 'working';
  el('error').textContent = '';
  try {
    await ready;
    const hint = el('login-hint').value.trim();
    const popup = await pca.loginPopup({ scopes: config.scopes, ...(hint ? { loginHint: hint } : {}) });
    const account: AccountInfo = popup.account;
    const silent = await pca.acquireTokenSilent({ scopes: config.scopes, account });
    const refreshed = await pca.acquireTokenSilent({ scopes: config.scopes, account, forceRefresh: true });
    const result: MsalTestPageResult = { username: account.username, tenantId: account.tenantId, popup: view(popup), silent: view(silent), refreshed: view(refreshed) };
    el('username').textContent = account.username;
    el('claims').textContent = JSON.stringify(result.popup.claims, null, 2);
    el('result').textContent = JSON.stringify(result);
    el('status').textContent = 'signed-in';
  } catch (e) {
    const err = e as { name?: string; errorCode?: string; subError?: string; errorMessage?: string; message?: string };
    const out: MsalTestPageError = { name: err.name ?? 'Error', message: err.message ?? String(e) };
    if (err.errorCode !== undefined) out.errorCode = err.errorCode;
    if (err.subError !== undefined) out.subError = err.subError;
    if (err.errorMessage !== undefined) out.errorMessage = err.errorMessage;
    el('error').textContent = JSON.stringify(out);
    el('status').textContent = 'error';
  } finally {
    button.disabled = false;
  }
}

el('sign-in').addEventListener('click', () => void signIn());
ready.then(
  () => (el('status').textContent = 'ready'),
  (e: unknown) => (el('status').textContent = `initialize failed: ${String(e)}`),
);
