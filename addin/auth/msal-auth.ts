import type { AccountInfo, AuthenticationResult, IPublicClientApplication } from '@azure/msal-browser';
import type { AuthConfig } from '../api/types';
import type { HostInfo } from '../office/types';
import { AuthError } from './errors';
import { sessionFrom, type Session } from './session';
import type { Auth } from './types';

/**
 * Sign-in with msal-browser. Inside Outlook clients that support nested app authentication (NestedAppAuth
 * 1.1), createNestablePublicClientApplication gets tokens from Outlook's own signed-in account; everywhere
 * else (Outlook on older clients, a plain browser tab) the standard PublicClientApplication signs in with a
 * popup whose redirect page runs the redirect bridge (addin/redirect.ts). The authority, client id and API
 * scope come from GET /api/auth/config, so the same bundle serves Entra and the local sandbox.
 *
 * msal-browser is loaded with a dynamic import: it is a separate chunk that downloads while the pane already
 * shows its skeleton, which keeps the initial script small.
 */

export interface AuthOptions {
  config: AuthConfig;
  host: HostInfo;
  /** The pane's redirect page: `${origin}/addin/redirect.html`. */
  redirectUri: string;
  /** Pre-fills the account on the sign-in page (Outlook's user). */
  loginHint?: string | undefined;
}

export async function createAuth(options: AuthOptions): Promise<Auth> {
  const msal = await import(/* webpackChunkName: "msal" */ '@azure/msal-browser');
  const { config, host } = options;
  const configuration = {
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      // Without it MSAL asks Microsoft's instance discovery about the authority, which fails for the sandbox.
      knownAuthorities: [new URL(config.authority).host],
      redirectUri: options.redirectUri,
    },
    // The pane reopens often (each pinned / unpinned pane is a new page): keep the account between opens.
    cache: { cacheLocation: msal.BrowserCacheLocation.LocalStorage },
  };
  let pca: IPublicClientApplication;
  try {
    pca = host.nestedAppAuth ? await msal.createNestablePublicClientApplication(configuration) : await msal.createStandardPublicClientApplication(configuration);
  } catch (error) {
    throw toAuthError(msal, error);
  }
  const scopes = [config.apiScope];
  let current: Session | null = null;

  const remember = (result: AuthenticationResult): string => {
    pca.setActiveAccount(result.account);
    current = sessionFrom(result.accessToken, result.account);
    return result.accessToken;
  };
  const account = (): AccountInfo | null => pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;

  return {
    nested: host.nestedAppAuth,
    session: () => current,
    async token() {
      const known = account();
      // Nested: Outlook knows the user even when this page has never seen an account.
      if (!known && !host.nestedAppAuth) throw new AuthError('sign_in_required', 'Sign in to see tickets');
      try {
        return remember(await pca.acquireTokenSilent({ scopes, ...(known ? { account: known } : {}) }));
      } catch (error) {
        throw toAuthError(msal, error, true);
      }
    },
    async signIn() {
      try {
        const result = await pca.acquireTokenPopup({ scopes, prompt: 'select_account', ...(options.loginHint ? { loginHint: options.loginHint } : {}) });
        remember(result);
        return current as Session;
      } catch (error) {
        throw toAuthError(msal, error);
      }
    },
  };
}

type Msal = typeof import('@azure/msal-browser');

/** MSAL's many error codes, reduced to what the pane does about them. */
function toAuthError(msal: Msal, error: unknown, silent = false): AuthError {
  const code = (error as { errorCode?: unknown })?.errorCode;
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof msal.InteractionRequiredAuthError) return new AuthError('sign_in_required', 'Sign in again to continue', String(code));
  if (code === msal.BrowserAuthErrorCodes.noAccountError) return new AuthError('sign_in_required', 'Sign in to see tickets', code);
  // Cancel on Microsoft's consent page comes back as the server error access_denied (AADSTS65004).
  if (code === msal.BrowserAuthErrorCodes.userCancelled || code === 'access_denied') return new AuthError('sign_in_cancelled', 'Sign-in was cancelled', code);
  if (code === msal.BrowserAuthErrorCodes.popupWindowError || code === msal.BrowserAuthErrorCodes.emptyWindowError) {
    return new AuthError('sign_in_blocked', 'The browser blocked the sign-in window; allow popups for this site and try again', code);
  }
  // A silent failure for any other reason (expired refresh token, cleared cookies) also ends at the sign-in button.
  if (silent) return new AuthError('sign_in_required', 'Sign in to continue', typeof code === 'string' ? code : undefined);
  return new AuthError('sign_in_failed', text, typeof code === 'string' ? code : undefined);
}
