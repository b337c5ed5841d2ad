import { fail, succeed, tail, type AsyncCallback } from './async-result';
import type { HostBody, HostItem, HostPerson, OfficeHostPort } from './host-port';
import { OFFICE_ENUMS, restToEws } from './office-enums';

/**
 * Office.context.mailbox.item for the host's selected email (Office.MessageRead, the part the pane reads): its
 * headers as properties, the body through body.getAsync (read from the host when asked), the owner of a shared
 * folder through getSharedPropertiesAsync. No attachments are listed: a ticket made in the preview comes from
 * the linked demo mailbox, which the server reads itself.
 */

const { CoercionType, MailboxEnums } = OFFICE_ENUMS;
/** Office's codes: the attachment id is unknown; the item is not in a shared folder. */
const ATTACHMENT_NOT_FOUND = 9010;
const NOT_SHARED = 9034;
const UNSUPPORTED_COERCION = 1000;
/** Office's "An internal error has occurred": the host could not read the body. */
const INTERNAL_ERROR = 5001;

const emailAddress = (p: HostPerson) => ({ emailAddress: p.address, displayName: p.name || p.address, recipientType: MailboxEnums.RecipientType.ExternalUser });

const htmlToText = (html: string): string => new DOMParser().parseFromString(html, 'text/html').body?.textContent ?? '';
const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The body in the coercion asked for: Exchange keeps one form, Outlook converts to the other. */
export function bodyAs(body: HostBody, coercion: string): string | null {
  if (coercion === CoercionType.Html) return body.contentType === 'html' ? body.content : `<html><body><pre>${escapeHtml(body.content)}</pre></body></html>`;
  if (coercion === CoercionType.Text) return body.contentType === 'text' ? body.content : htmlToText(body.content);
  return null;
}

export function previewItem(item: HostItem, port: Pick<OfficeHostPort, 'body'>) {
  const from = item.from ? emailAddress(item.from) : null;
  return {
    itemType: MailboxEnums.ItemType.Message,
    itemId: restToEws(item.restId),
    internetMessageId: item.internetMessageId,
    subject: item.subject,
    from,
    sender: from,
    to: item.to.map(emailAddress),
    cc: item.cc.map(emailAddress),
    dateTimeCreated: new Date(item.receivedAt),
    attachments: [] as unknown[],
    body: {
      getAsync(coercion: string, options?: unknown, callback?: unknown): void {
        const { context, callback: cb } = tail<string>(options, callback);
        port.body(item).then(
          (body) => {
            const value = bodyAs(body, coercion);
            if (value === null) fail(cb, UNSUPPORTED_COERCION, `The coercion type ${coercion} is not supported for a message body`, context);
            else succeed(cb, value, context);
          },
          (error: unknown) => fail(cb, INTERNAL_ERROR, error instanceof Error ? error.message : String(error), context),
        );
      },
    },
    getAttachmentContentAsync(_id: string, options?: unknown, callback?: unknown): void {
      const { context, callback: cb } = tail<never>(options, callback);
      fail(cb, ATTACHMENT_NOT_FOUND, 'The attachment was not found.', context);
    },
    getSharedPropertiesAsync(options?: unknown, callback?: unknown): void {
      const { context, callback: cb } = tail<{ owner: string; targetMailbox: string; targetRestUrl: string; permissions: number }>(options, callback);
      if (!item.owner) return fail(cb as AsyncCallback<never>, NOT_SHARED, 'The item is not in a shared folder.', context);
      succeed(cb, { owner: item.owner, targetMailbox: item.owner, targetRestUrl: '', permissions: 0x1f }, context);
    },
  };
}
