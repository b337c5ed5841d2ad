import type { AccountInfo, AuthenticationResult, IPublicClientApplication } from '@azure/msal-browser';
import type { AuthConfig } from '../api/types';
import type { DialogSignIn } from '../office/sign-in-dialog';
import type { HostInfo } from '../office/types';
import { AuthError } from './errors';
import { msalConfiguration, toAuthError } from './msal-shared';
import { sessionFrom, type Session } from './session';
import type { Auth } from './types';

/**
 * Sign-in with msal-browser. Inside Outlook clients that support nested app authentication (NestedAppAuth
 * 1.1), createNestablePublicClientApplication gets tokens from Outlook's own signed-in account; everywhere
 * else the standard PublicClientApplication signs in: in a browser tab with a popup whose redirect page runs
 * the redirect bridge (addin/redirect.ts); in Outlook clients without nested app authentication in an Office
 * dialog (addin/sign-in-dialog.ts), since their popups cannot reach the pane. The authority, client id and API
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
  /**
   * Interactive sign-in in an Office dialog instead of a popup (Outlook clients without nested app
   * authentication, whose popups cannot reach the pane).
   */
  dialogSignIn?: (() => Promise<DialogSignIn>) | undefined;
}

/** A token is renewed this long before it expires. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

export async function createAuth(options: AuthOptions): Promise<Auth> {
  const msal = await import(/* webpackChunkName: "msal" */ '@azure/msal-browser');
  const { config, host } = options;
  const configuration = msalConfiguration(msal, config, options.redirectUri);
  let pca: IPublicClientApplication;
  try {
    pca = host.nestedAppAuth ? await msal.createNestablePublicClientApplication(configuration) : await msal.createStandardPublicClientApplication(configuration);
  } catch (error) {
    throw toAuthError(msal, error);
  }
  const scopes = [config.apiScope];
  let current: Session | null = null;
  /** The token the sign-in dialog returned, used until it is about to expire. */
  let fromDialog: { token: string; expiresAt: number } | null = null;

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
      if (fromDialog && fromDialog.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return fromDialog.token;
      fromDialog = null;
      // Where the dialog shares this origin's storage, its account lets MSAL renew the token silently here.
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
      if (options.dialogSignIn) {
        const result = await options.dialogSignIn();
        fromDialog = { token: result.accessToken, expiresAt: result.expiresOn.getTime() };
        current = sessionFrom(result.accessToken, { username: result.account.username, name: result.account.name ?? undefined });
        return current;
      }
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
