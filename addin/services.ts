import type { ApiClient } from './api/client';
import type { LinkResultMessage } from './api/types';
import type { Auth } from './auth/types';
import type { HostInfo, MailItem } from './office/types';

/**
 * Everything the components need from the outside world, passed in as plain functions (STYLE: components never
 * touch Office). addin/index.tsx builds the real ones from addin/office/, addin/auth/ and addin/browser/; tests
 * pass doubles.
 */
export interface PaneServices {
  host: HostInfo;
  api: ApiClient;
  /**
   * Resolves once msal-browser is loaded and configured (the same instance every time); rejects with an
   * AuthError or ApiError if it cannot be, and tries again on the next call.
   */
  auth(): Promise<Auth>;
  /** The selected message, or null when nothing is selected (always null outside Outlook). */
  currentItem(): Promise<MailItem | null>;
  /** Registers an ItemChanged handler; resolves with its remover. Outside Outlook it never fires. */
  onItemChanged(handler: () => void): Promise<() => Promise<void>>;
  /**
   * Runs a mailbox consent: opens the consent window (an Office dialog in Outlook, a popup elsewhere) at once,
   * so the browser sees the user's click, asks `authorizeUrl` for the address, and resolves with the callback
   * page's result. Rejects with a ConsentError if the window is blocked or closed first.
   */
  consent(authorizeUrl: () => Promise<string>): Promise<LinkResultMessage>;
}
