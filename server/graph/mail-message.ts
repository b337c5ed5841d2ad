/**
 * Graph's JSON for a mail message and its attachments, in Graph's own field names: what mail-operations.ts
 * lists and what graph-to-inbound.ts turns into an InboundMail. Graph leaves out or nulls whatever it does not
 * know, and a dead letter replays this JSON as it was stored, so every field but the id may be missing.
 */

/** Graph's `recipient` resource. */
export interface GraphRecipient {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

/** A message as Graph's list returns it with SYNC_SELECT (METADATA_SELECT leaves out the body and headers). */
export interface GraphMailMessage {
  id: string;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: GraphRecipient | null;
  sender?: GraphRecipient | null;
  replyTo?: GraphRecipient[] | null;
  toRecipients?: GraphRecipient[] | null;
  ccRecipients?: GraphRecipient[] | null;
  receivedDateTime?: string | null;
  hasAttachments?: boolean | null;
  body?: { contentType: 'html' | 'text'; content: string } | null;
  /** Only present when selected, and absent for mail that never left the tenant. */
  internetMessageHeaders?: { name: string; value: string }[] | null;
}

/** A message's attachment as `$expand=attachments` returns it; `contentBytes` only for file attachments. */
export interface GraphAttachmentJson {
  '@odata.type'?: string;
  name?: string | null;
  contentType?: string | null;
  size?: number;
  isInline?: boolean;
  contentId?: string | null;
  contentBytes?: string | null;
}
