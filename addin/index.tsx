import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client';
import type { Auth } from './auth/types';
import { consentInPopup } from './browser/consent-popup';
import { App } from './components/App';
import { LoadingSkeleton } from './components/LoadingSkeleton';
import { consentInDialog } from './office/consent-dialog';
import { canOpenDialogs } from './office/dialog';
import { currentItem, officeReady, onItemChanged, userAddress } from './office/mailbox';
import { signInInDialog } from './office/sign-in-dialog';
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
  };
}

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const inTheme = (child: ReactNode) => <FluentProvider theme={webLightTheme}>{child}</FluentProvider>;
  root.render(inTheme(<LoadingSkeleton />));
  const host = await officeReady();
  root.render(inTheme(<App services={services(host)} />));
}

void main();
