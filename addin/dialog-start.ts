import type { AuthConfig } from './api/types';
import { pageText } from './i18n/page-text';
import { consentTarget } from './link/consent-target';

/**
 * First page of the consent dialog (dialog-start.html#to=<authorize URL>). Office only opens dialogs on the
 * add-in's own origin; this page then forwards to the identity provider, but only to our authority's
 * authorize endpoint for our client id (from GET /api/auth/config): it must not serve as an open redirect.
 */
async function forward(): Promise<void> {
  const message = document.getElementById('message') as HTMLElement;
  const { locale, t } = pageText(window.location.search, navigator.language);
  document.documentElement.lang = locale;
  document.title = t('signIn.page.openingTitle');
  message.textContent = t('signIn.page.opening');
  const to = new URLSearchParams(window.location.hash.slice(1)).get('to') ?? '';
  try {
    const response = await fetch('/api/auth/config', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`GET /api/auth/config answered ${response.status}`);
    const target = consentTarget(to, (await response.json()) as AuthConfig);
    if (!target) {
      message.textContent = t('signIn.page.foreignLink');
      return;
    }
    window.location.replace(target.href);
  } catch {
    message.textContent = t('signIn.page.invalidLink');
  }
}

void forward();
