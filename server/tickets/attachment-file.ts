/**
 * A file that came with an email, as a ticket keeps it. A leaf module (it imports nothing), so that inbound
 * mail and the store's attachment rows share one definition.
 */
export interface AttachmentFile {
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  /** Null when the attachment is over the size cap; `omittedReason` then says so. */
  content: Buffer | null;
  omittedReason: string | null;
}
