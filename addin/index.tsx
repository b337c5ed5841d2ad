import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client';
import type { Auth } from './auth/types';
import { consentInPopup } from './browser/consent-popup';
import { saveFile } from './browser/save-file';
import { isPageVisible, onPageVisibilityChange } from './browser/visibility';
import { App } from './components/App';
import { LoadingSkeleton } from './components/LoadingSkeleton';
import { paneLocale } from './i18n/locale';
import { PaneIntl } from './i18n/PaneIntl';
import { consentInDialog } from './office/consent-dialog';
import { canOpenDialogs } from './office/dialog';
import { displayLanguage } from './office/display-language';
import { currentItem, officeReady, onItemChanged, userAddress } from './office/mailbox';
import { messageContent } from './office/message-content';
import { canOpenMessages, openMessage } from './office/open-message';
import { signInInDialog } from './office/sign-in-dialog';
import { officeTheme, onOfficeThemeChanged } from './office/theme';
import type { HostInfo } from './office/types';
import type { PaneServices } from './services';

/**
 * Entry of the task pane: waits for office.js, wires the real services (Office, MSAL, the API) and renders.
 * Only this file decides between Outlook and a plain browser tab; the components just get functions.
 */

function services(host: HostInfo): PaneServices {
  const origin = window.location.origin;
  const inDialog = host.inOutlook && canOpenDialogs();
  let auth: Promise<Auth> | undefined;
  const getAuth = (): Promise<Auth> => {
    auth ??= (async () => {
      const config = await api.authConfig();
      const { createAuth } = await import(/* webpackChunkName: "auth" */ './auth/msal-auth');
      const loginHint = host.inOutlook ? userAddress() : undefined;
      const dialogSignIn = inDialog && !host.nestedAppAuth ? () => signInInDialog(window.location.href, loginHint) : undefined;
      return createAuth({ config, host, redirectUri: new URL('redirect.html', window.location.href).href, loginHint, dialogSignIn });
    })();
    // A failure (server down, auth not configured) is retried on the next call instead of being cached.
    auth.catch(() => (auth = undefined));
    return auth;
  };
  const api = createApiClient({
    baseUrl: origin,
    token: async () => (await getAuth()).token(),
    fetch: (url, init) => window.fetch(url, init),
  });
  return {
    host,
    api,
    auth: getAuth,
    currentItem: () => (host.inOutlook ? currentItem() : Promise.resolve(null)),
    onItemChanged: (handler) => (host.inOutlook ? onItemChanged(handler) : Promise.resolve(async () => undefined)),
    consent: (authorizeUrl) => (inDialog ? consentInDialog(authorizeUrl, window.location.href) : consentInPopup(authorizeUrl)),
    theme: () => (host.inOutlook ? officeTheme() : 'light'),
    onThemeChanged: (handler) => (host.inOutlook ? onOfficeThemeChanged(handler) : Promise.resolve(() => undefined)),
    messageContent,
    openMessage: host.inOutlook && canOpenMessages() ? openMessage : null,
    storage: window.localStorage,
    saveFile,
    visibility: { isVisible: isPageVisible, onChange: onPageVisibilityChange },
  };
}

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const inTheme = (child: ReactNode) => <FluentProvider theme={webLightTheme}>{child}</FluentProvider>;
  // The browser's language until Office is ready, then Outlook's own.
  const inLanguage = (language: string | undefined, child: ReactNode) => {
    const locale = paneLocale(language);
    document.documentElement.lang = locale;
    return <PaneIntl locale={locale}>{child}</PaneIntl>;
  };
  root.render(inLanguage(navigator.language, inTheme(<LoadingSkeleton />)));
  const host = await officeReady();
  root.render(inLanguage(displayLanguage(host), inTheme(<App services={services(host)} />)));
}

void main();
