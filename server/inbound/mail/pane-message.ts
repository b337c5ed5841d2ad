import type { GraphAttachmentJson, GraphMailMessage } from '../../graph/mail-message';

/**
 * An email as the Outlook add-in read it with Office.js, for mailboxes Relaydesk cannot read itself. The API
 * bounds every part of it (server/http/routes/from-message.ts); this is the shape after that check.
 */
export interface PaneMessage {
  subject: string;
  from: { email: string; name?: string | undefined };
  receivedAt?: string | undefined;
  bodyText: string;
  bodyHtml?: string | undefined;
  ccs?: { email: string; name?: string | undefined }[] | undefined;
  attachments?: { filename: string; contentType: string; contentBase64: string }[] | undefined;
}

/** The largest subject, as RFC 5322 caps a header line. */
export const MAX_PANE_SUBJECT_CHARS = 998;
/** The most body text or HTML the pane may send, as much as one synced message keeps (MAX_TEXT_CHARS). */
export const MAX_PANE_BODY_CHARS = 1_000_000;
/** Attachments together, decoded: the default largest message Exchange Online accepts, as a sync reads. */
export const MAX_PANE_ATTACHMENT_BYTES = 35 * 1024 * 1024;

/**
 * The pane's email as Graph's message JSON and expanded attachments: it then goes through graph-to-inbound,
 * in the parse pool, like a synced message that came with its attachments, so it is normalised, bounded and
 * sanitized (HTML through mail-html's htmlBody, attachments over the cap kept as names only) the same way.
 */
export function graphJsonOfPaneMessage(internetMessageId: string, message: PaneMessage): { message: GraphMailMessage; attachments: GraphAttachmentJson[] } {
  const attachments = (message.attachments ?? []).map(
    (a): GraphAttachmentJson => ({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: a.filename,
      contentType: a.contentType,
      contentBytes: a.contentBase64,
      isInline: false,
    }),
  );
  return {
    message: {
      id: `pane:${internetMessageId}`,
      internetMessageId,
      subject: message.subject,
      from: { emailAddress: { address: message.from.email, name: message.from.name ?? null } },
      toRecipients: [],
      ccRecipients: (message.ccs ?? []).map((cc) => ({ emailAddress: { address: cc.email, name: cc.name ?? null } })),
      receivedDateTime: message.receivedAt ?? null,
      hasAttachments: attachments.length > 0,
      body: message.bodyHtml ? { contentType: 'html', content: message.bodyHtml } : { contentType: 'text', content: message.bodyText },
    },
    attachments,
  };
}
