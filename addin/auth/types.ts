import type { Session } from './session';

/** The pane's view of authentication (implemented with msal-browser in ./msal-auth.ts). */
export interface Auth {
  /** An access token for the Relaydesk API without user interaction; rejects with AuthError sign_in_required. */
  token(): Promise<string>;
  /** Interactive sign-in (a popup; call it from a click). */
  signIn(): Promise<Session>;
  /** The signed-in user, once a token was obtained. */
  session(): Session | null;
  /** Whether tokens come from Outlook (nested app authentication). */
  readonly nested: boolean;
}
