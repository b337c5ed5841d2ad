import type { ApiClient } from './api/client';
import type { LinkResultMessage } from './api/types';
import type { Auth } from './auth/types';
import type { HostInfo, MailItem, MessageContent } from './office/types';
import type { KeyValueStore } from './state/key-value-store';
import type { PaneTheme } from './state/theme';

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
  /** Office's theme now (light outside Outlook). */
  theme(): PaneTheme;
  /** Registers a theme-change handler; resolves with its remover (never fires where the host has no such event). */
  onThemeChanged(handler: (theme: PaneTheme) => void): Promise<() => void>;
  /** The selected email's body, CCs and attachments, for making a ticket of it; rejects with an OfficeError. */
  messageContent(): Promise<MessageContent>;
  /** Opens an email (by its Graph id) in Outlook's reading window; null where the host cannot. */
  openMessage: ((graphId: string) => void) | null;
  /** Where drafts and preferences live (localStorage). */
  storage: KeyValueStore;
  /** Saves a downloaded file under its name (the browser's download). */
  saveFile(blob: Blob, filename: string): void;
  /** Whether the pane is visible now, and a subscription to changes (for the live poll). */
  visibility: { isVisible(): boolean; onChange(handler: () => void): () => void };
}
