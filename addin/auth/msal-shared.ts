import type { Configuration } from '@azure/msal-browser';
import type { AuthConfig } from '../api/types';
import { AuthError } from './errors';

/** What the pane and the sign-in dialog share about msal-browser: its configuration and its errors. */

export type Msal = typeof import('@azure/msal-browser');

export function msalConfiguration(msal: Msal, config: AuthConfig, redirectUri: string): Configuration {
  return {
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      // Without it MSAL asks Microsoft's instance discovery about the authority, which fails for the sandbox.
      knownAuthorities: [new URL(config.authority).host],
      redirectUri,
    },
    // The pane reopens often (each pinned / unpinned pane is a new page): keep the account between opens.
    cache: { cacheLocation: msal.BrowserCacheLocation.LocalStorage },
  };
}

/** MSAL's many error codes, reduced to what the pane does about them. */
export function toAuthError(msal: Msal, error: unknown, silent = false): AuthError {
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
