/**
 * Which of an email's attachments the pane copies into a new ticket when the server cannot read the email
 * itself: files only (inline images are part of the HTML body, cloud attachments are links), largest totals
 * stopped at MAX_TOTAL_BYTES, since they travel base64 in one JSON request.
 */
export const MAX_TOTAL_BYTES = 25 * 1024 * 1024;

export interface AttachmentInfo {
  id: string;
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  /** Office's AttachmentType: 'file', 'item' (an attached email) or 'cloud'. */
  type: 'file' | 'item' | 'cloud';
}

/** In the email's order, skipping each file that would take the total past the limit. */
export function attachmentsToSend(all: readonly AttachmentInfo[], limit = MAX_TOTAL_BYTES): { send: AttachmentInfo[]; skipped: AttachmentInfo[] } {
  const send: AttachmentInfo[] = [];
  const skipped: AttachmentInfo[] = [];
  let total = 0;
  for (const a of all) {
    if (a.isInline || a.type !== 'file') continue;
    if (total + a.size > limit) skipped.push(a);
    else {
      send.push(a);
      total += a.size;
    }
  }
  return { send, skipped };
}
