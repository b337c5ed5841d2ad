import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';
import { mailboxPath } from './mail-operations';

/**
 * The Inbox as a mail client shows it: its newest messages, read or not, with what a list row needs, and one
 * message's body when it is opened. The sandbox preview (server/sandbox-preview.ts) reads the demo mailbox
 * this way, as Outlook would, with the mailbox owner's own token.
 */

export interface MailPerson {
  address: string;
  name: string;
}

export interface InboxListItem {
  /** Graph's (REST) id. */
  id: string;
  internetMessageId: string;
  subject: string;
  from: MailPerson | null;
  to: MailPerson[];
  cc: MailPerson[];
  receivedAt: string;
  isRead: boolean;
  /** Graph's bodyPreview: the first 255 characters of the text. */
  preview: string;
}

export interface MessageBody {
  contentType: 'text' | 'html';
  content: string;
}

/** Graph's cap on $top for messages. */
const MAX_TOP = 1000;
const LIST_SELECT = ['id', 'internetMessageId', 'subject', 'from', 'toRecipients', 'ccRecipients', 'receivedDateTime', 'isRead', 'bodyPreview'];

type Recipient = { emailAddress?: { address?: string; name?: string } } | null | undefined;
type MessageJson = {
  id: string;
  internetMessageId?: string;
  subject?: string | null;
  from?: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  receivedDateTime?: string;
  isRead?: boolean;
  bodyPreview?: string;
};

const person = (r: Recipient): MailPerson | null => (r?.emailAddress?.address ? { address: r.emailAddress.address, name: r.emailAddress.name || r.emailAddress.address } : null);
const people = (list: Recipient[] | undefined): MailPerson[] => (list ?? []).flatMap((r) => person(r) ?? []);

/** The newest `top` messages of the Inbox, newest first. */
export async function listInbox(client: Client, address: string, top: number): Promise<InboxListItem[]> {
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) throw new RangeError(`top must be an integer from 1 to ${MAX_TOP}, got ${top}`);
  const query = new URLSearchParams({ $select: LIST_SELECT.join(','), $orderby: 'receivedDateTime desc', $top: String(top) });
  let page: { value?: MessageJson[] };
  try {
    page = (await client.api(`${mailboxPath(address)}/mailFolders/inbox/messages?${query.toString()}`).get()) as { value?: MessageJson[] };
  } catch (error) {
    throw toGraphRequestError(error);
  }
  return (page.value ?? []).map((m) => ({
    id: m.id,
    internetMessageId: m.internetMessageId ?? '',
    subject: m.subject ?? '',
    from: person(m.from),
    to: people(m.toRecipients),
    cc: people(m.ccRecipients),
    receivedAt: m.receivedDateTime ?? '',
    isRead: m.isRead === true,
    preview: m.bodyPreview ?? '',
  }));
}

/** One message's body as Exchange keeps it (HTML when the message has HTML). */
export async function readMessageBody(client: Client, address: string, id: string): Promise<MessageBody> {
  try {
    const message = (await client.api(`${mailboxPath(address)}/messages/${encodeURIComponent(id)}?$select=body`).get()) as { body?: { contentType?: string; content?: string } };
    return { contentType: message.body?.contentType?.toLowerCase() === 'html' ? 'html' : 'text', content: message.body?.content ?? '' };
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
