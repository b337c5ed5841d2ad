/**
 * Plain data that addin/office/ hands to the rest of the pane: no Office types leak past this folder.
 * (No DOM and no Office here, so Node-side tests can import these types.)
 */

/** The message selected in Outlook, as the pane needs it. */
export interface MailItem {
  /** Angle brackets included, as Outlook reports it; may be empty (drafts, some meeting items). */
  internetMessageId: string;
  subject: string;
  from: { address: string; name: string } | null;
  /** The mailbox the item is in: the shared mailbox's owner for shared folders, else the user's own. */
  mailbox: string | null;
  /** When the item arrived (ISO-8601), or null when Outlook did not say. */
  receivedAt: string | null;
}

/** The selected email's content, for making a ticket of an email the server cannot read (office/message-content.ts). */
export interface MessageContent {
  subject: string;
  from: { email: string; name?: string } | null;
  receivedAt?: string;
  bodyText: string;
  bodyHtml?: string;
  ccs: { email: string; name?: string }[];
  attachments: { filename: string; contentType: string; contentBase64: string }[];
  /** Files left out (too large in total, or Outlook would not give their content). */
  skipped: string[];
}

/** Where the pane runs. */
export interface HostInfo {
  /** True in Outlook (any platform); false in a plain browser tab. */
  inOutlook: boolean;
  /** Outlook supports nested app authentication (requirement set NestedAppAuth 1.1). */
  nestedAppAuth: boolean;
}

/** Why a dialog could not be opened or ended early: Office's own codes (12002, 12004, 12006...) as numbers. */
export class OfficeError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'OfficeError';
  }
}

/** Office.js dialog error codes the pane branches on. */
export const DIALOG_CLOSED_BY_USER = 12006;
