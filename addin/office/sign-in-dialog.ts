import { AuthError } from '../auth/errors';
import { parseSignInResult } from '../auth/sign-in-result';
import { dialogMessage } from './dialog';
import { DIALOG_CLOSED_BY_USER, OfficeError } from './types';

export interface DialogSignIn {
  accessToken: string;
  expiresOn: Date;
  account: { username: string; name: string | null };
}

/**
 * Sign-in for Outlook clients without nested app authentication: an Office dialog on sign-in.html, which
 * answers with the access token (a browser popup cannot talk back to the pane in those clients).
 */
export async function signInInDialog(paneUrl: string, loginHint: string | undefined): Promise<DialogSignIn> {
  const url = new URL('sign-in.html', paneUrl);
  if (loginHint) url.searchParams.set('login_hint', loginHint);
  let text: string;
  try {
    text = await dialogMessage(url.href, { height: 70, width: 40 });
  } catch (error) {
    if (!(error instanceof OfficeError)) throw error;
    if (error.code === DIALOG_CLOSED_BY_USER) throw new AuthError('sign_in_cancelled', 'Sign-in was cancelled');
    throw new AuthError('sign_in_failed', error.message, String(error.code));
  }
  const result = parseSignInResult(text);
  if (!result) throw new AuthError('sign_in_failed', 'The sign-in window answered with something that is not a sign-in result');
  if (!result.ok) throw new AuthError(result.code === 'sign_in_cancelled' ? 'sign_in_cancelled' : 'sign_in_failed', result.message, result.code);
  return { accessToken: result.accessToken, expiresOn: new Date(result.expiresOn), account: result.account };
}
