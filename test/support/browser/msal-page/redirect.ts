import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

/**
 * Browser entry of the MSAL test page's redirect URI. msal-browser v5 no longer polls the popup's URL: the
 * page the identity server redirects to must hand the response to the opener (over a BroadcastChannel), or
 * loginPopup waits until `timed_out`.
 */
broadcastResponseToMainFrame().catch((e: unknown) => console.error(`redirect bridge: ${String(e)}`));
