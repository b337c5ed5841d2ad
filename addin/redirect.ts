import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';
import { pageText } from './i18n/page-text';

/**
 * The MSAL redirect URI (redirect.html). msal-browser v5 no longer reads the popup's URL from the opener: the
 * page the identity provider redirects to hands the response back over a BroadcastChannel, or sign-in hangs
 * until `timed_out`.
 */
const bridged = broadcastResponseToMainFrame();
// The page shows its words only while the bridge runs (it usually closes first), in the browser's language.
const { locale, t } = pageText('', navigator.language);
document.documentElement.lang = locale;
document.title = t('signIn.page.completingTitle');
const status = document.getElementById('message');
if (status) status.textContent = t('signIn.page.completing');
bridged.catch((error: unknown) => {
  document.body.textContent = t('signIn.page.redirectFailed', { message: error instanceof Error ? error.message : String(error) });
});
