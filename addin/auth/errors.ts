/**
 * Why the pane has no access token. Plain classes (no MSAL, no DOM), so the status logic and the Node-side
 * tests can tell them apart by code.
 */

export type AuthErrorCode =
  /** No account, or the identity provider wants the user to interact (consent, MFA, expired session). */
  | 'sign_in_required'
  /** The user closed or cancelled the sign-in window. */
  | 'sign_in_cancelled'
  /** The browser blocked the sign-in popup. */
  | 'sign_in_blocked'
  /** Anything else MSAL reported (network, configuration); `detail` holds MSAL's error code. */
  | 'sign_in_failed';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export function isSignInRequired(error: unknown): boolean {
  return error instanceof AuthError && error.code === 'sign_in_required';
}
