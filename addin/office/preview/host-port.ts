/**
 * The contract between the preview page (addin/preview/, the "Outlook" of `/` in sandbox mode) and the Office
 * namespace it gives the task pane in its frame and the pages the pane opens as dialogs (./office-namespace.ts,
 * ./dialog-namespace.ts). The page puts a port on its window under PREVIEW_HOST_GLOBAL; the same-origin pane
 * frame (window.parent) and dialog windows (window.opener) find it there. Only plain data and functions cross:
 * each window builds its Office objects (and Dates) in its own realm, so `instanceof Date` holds in the pane.
 * No DOM types but Window, no Office types: Node-side tests import it.
 */

export const PREVIEW_HOST_GLOBAL = '__relaydeskPreviewHost';

export interface HostPerson {
  address: string;
  name: string;
}

/** The selected email, as the host hands it to Office.context.mailbox.item. */
export interface HostItem {
  /** Graph's (REST) id; item.itemId is its EWS form, as Outlook converts it. */
  restId: string;
  internetMessageId: string;
  subject: string;
  from: HostPerson | null;
  to: HostPerson[];
  cc: HostPerson[];
  /** ISO-8601. */
  receivedAt: string;
  /** The shared mailbox the item is in (getSharedPropertiesAsync answers it); null: the user's own mailbox. */
  owner: string | null;
}

export interface HostBody {
  contentType: 'text' | 'html';
  content: string;
}

export type HostTheme = 'light' | 'dark';

/** What changed in the host: the selection (ItemChanged) or Office's theme (OfficeThemeChanged). */
export type HostEvent = 'item' | 'theme';

/** Office's dialog error codes the host answers with. */
export const DIALOG_ERRORS = {
  /** The URL is not on the add-in's origin (Office: "The domain of the URL is not trusted"). */
  untrustedDomain: 12004,
  /** The user closed the dialog. */
  closedByUser: 12006,
  /** A dialog of this add-in is already open. */
  alreadyOpen: 12007,
  /** The browser blocked the window (Office: "The user chose to ignore the dialog box"). */
  blocked: 12009,
} as const;

export interface DialogEvents {
  /** A page in the dialog called messageParent (or, outside our pages, posted to its opener). */
  message(text: string, origin: string): void;
  /** The dialog ended without the opener closing it: Office's error code (12006: the user closed it). */
  ended(code: number): void;
}

export type DialogOpening = { ok: true; close(): void } | { ok: false; code: number; message: string };

/** What a page inside a dialog window may do: send its one kind of message back. */
export interface DialogPort {
  messageParent(text: string, origin: string): void;
}

export interface OfficeHostPort {
  /** Outlook's signed-in user (Office.context.mailbox.userProfile). */
  user(): HostPerson;
  /** Office.context.displayLanguage, e.g. "it-IT". */
  displayLanguage(): string;
  theme(): HostTheme;
  /** The selected email, or null when nothing is selected. */
  item(): HostItem | null;
  /** The selected email's body (item.body.getAsync). */
  body(item: HostItem): Promise<HostBody>;
  /** Calls `listener` on each change; returns the function that stops it. */
  subscribe(listener: (event: HostEvent) => void): () => void;
  /** Opens `url` (already checked to be on the pane's origin) in a dialog window owned by the host. */
  openDialog(url: string, size: { width: number; height: number }, events: DialogEvents): DialogOpening;
  /** The dialog `win` is, when it is one of the host's open dialogs; null otherwise. */
  dialogOf(win: Window): DialogPort | null;
  /** Outlook opens the email in its reading window (mailbox.displayMessageForm); the preview selects it. */
  displayMessage(restId: string): void;
}
