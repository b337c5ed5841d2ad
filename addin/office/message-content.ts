import { attachmentsToSend, type AttachmentInfo } from '../state/attachments-to-send';
import { OfficeError, type MessageContent } from './types';

function asPromise<T>(start: (callback: (result: Office.AsyncResult<T>) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((result) => {
      if (result.status === Office.AsyncResultStatus.Failed) reject(new OfficeError(result.error?.code ?? 0, result.error?.message ?? 'Outlook could not read the email'));
      else resolve(result.value);
    });
  });
}

const person = (p: Office.EmailAddressDetails) => (p.displayName && p.displayName !== p.emailAddress ? { email: p.emailAddress, name: p.displayName } : { email: p.emailAddress });

/**
 * The selected email's content as Outlook gives it, for making a ticket of an email the server cannot read
 * itself (a mailbox that is not linked): body as HTML and text, CCs, and its file attachments as base64
 * (within the size limit of attachments-to-send.ts).
 */
export async function messageContent(): Promise<MessageContent> {
  const item = Office.context.mailbox.item as Office.MessageRead | null | undefined;
  if (!item) throw new OfficeError(0, 'No email is selected');
  const bodyText = await asPromise<string>((cb) => item.body.getAsync(Office.CoercionType.Text, cb));
  const bodyHtml = await asPromise<string>((cb) => item.body.getAsync(Office.CoercionType.Html, cb)).catch(() => undefined);
  const infos: AttachmentInfo[] = (item.attachments ?? []).map((a) => ({
    id: a.id,
    name: a.name,
    size: a.size,
    contentType: a.contentType || 'application/octet-stream',
    isInline: a.isInline,
    type: String(a.attachmentType) === String(Office.MailboxEnums.AttachmentType.File) ? 'file' : String(a.attachmentType) === String(Office.MailboxEnums.AttachmentType.Item) ? 'item' : 'cloud',
  }));
  const { send, skipped } = attachmentsToSend(infos);
  const attachments: MessageContent['attachments'] = [];
  const left = skipped.map((a) => a.name);
  for (const a of send) {
    // Mailbox 1.8; older hosts cannot hand over content, and the ticket is made without the file.
    if (typeof item.getAttachmentContentAsync !== 'function') {
      left.push(a.name);
      continue;
    }
    try {
      const content = await asPromise<Office.AttachmentContent>((cb) => item.getAttachmentContentAsync(a.id, cb));
      if (String(content.format) === String(Office.MailboxEnums.AttachmentContentFormat.Base64)) attachments.push({ filename: a.name, contentType: a.contentType, contentBase64: content.content });
      else left.push(a.name);
    } catch {
      left.push(a.name);
    }
  }
  const created = item.dateTimeCreated instanceof Date && !Number.isNaN(item.dateTimeCreated.getTime()) ? item.dateTimeCreated.toISOString() : undefined;
  return {
    subject: item.subject ?? '',
    from: item.from ? person(item.from) : null,
    ...(created ? { receivedAt: created } : {}),
    bodyText,
    ...(bodyHtml ? { bodyHtml } : {}),
    ccs: (item.cc ?? []).map(person),
    attachments,
    skipped: left,
  };
}
