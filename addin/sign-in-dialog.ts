import type { AuthConfig } from './api/types';
import { msalConfiguration, toAuthError } from './auth/msal-shared';
import { signInFailed, signInSucceeded } from './auth/sign-in-result';
import { pageText } from './i18n/page-text';
import { replyToPane } from './office/dialog-reply';

/**
 * sign-in.html, opened in an Office dialog by Outlook clients without nested app authentication, where a
 * browser popup cannot reach the pane. It signs in with msal-browser's redirect flow (this page is its own
 * redirect URI) and sends the access token to the pane with messageParent. The account stays in this
 * origin's localStorage, where the pane's MSAL finds it for silent renewals when the client shares storage.
 */
async function main(): Promise<void> {
  const status = document.getElementById('message') as HTMLElement;
  const { locale, t } = pageText(window.location.search, navigator.language);
  document.documentElement.lang = locale;
  document.title = t('signIn.page.title');
  status.textContent = t('signIn.page.opening');
  const reply = async (message: string, text: string) => {
    status.textContent = (await replyToPane(message)) ? text : t('signIn.page.noPane');
  };
  try {
    const response = await fetch('/api/auth/config', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`GET /api/auth/config answered ${response.status}`);
    const config = (await response.json()) as AuthConfig;
    const msal = await import(/* webpackChunkName: "msal" */ '@azure/msal-browser');
    const redirectUri = `${window.location.origin}${window.location.pathname}`;
    const pca = await msal.createStandardPublicClientApplication(msalConfiguration(msal, config, redirectUri));
    let result;
    try {
      result = await pca.handleRedirectPromise();
    } catch (error) {
      const failure = toAuthError(msal, error);
      await reply(signInFailed(failure.code, failure.message), t('signIn.page.notFinished'));
      return;
    }
    if (result) {
      if (!result.accessToken || !result.expiresOn) throw new Error('The sign-in returned no access token');
      // The pane renews tokens from this origin's cache where it shares it: this account, not whichever came first.
      pca.setActiveAccount(result.account);
      await reply(signInSucceeded(result.accessToken, result.expiresOn, result.account), t('signIn.page.done'));
      return;
    }
    // First visit: on to the sign-in page, pre-filled with Outlook's user.
    const loginHint = new URLSearchParams(window.location.search).get('login_hint') ?? undefined;
    await pca.loginRedirect({ scopes: [config.apiScope], prompt: 'select_account', ...(loginHint ? { loginHint } : {}) });
  } catch (error) {
    await reply(signInFailed('sign_in_failed', error instanceof Error ? error.message : String(error)), t('signIn.page.failed'));
  }
}

void main();
