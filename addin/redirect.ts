import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

/**
 * The MSAL redirect URI (redirect.html). msal-browser v5 no longer reads the popup's URL from the opener: the
 * page the identity provider redirects to hands the response back over a BroadcastChannel, or sign-in hangs
 * until `timed_out`.
 */
broadcastResponseToMainFrame().catch((error: unknown) => {
  document.body.textContent = `Sign-in could not finish: ${error instanceof Error ? error.message : String(error)}`;
});
