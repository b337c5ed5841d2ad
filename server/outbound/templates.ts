import { REPLY_DELIMITER } from '../tickets/reply-delimiter';
import { echoedName, echoedSubject } from './echoed-text';
import type { OutboxKind } from './outbox-kinds';

/** The words of Relaydesk's emails. Text and HTML say the same; the HTML is built from escaped text only. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateInput {
  kind: OutboxKind;
  ticketSubject: string;
  /** `[RD:1A-7QX2K]`: in the subject and the body, so replies thread even without headers. */
  referenceToken: string;
  requesterName: string | null;
  /** The requester's address: its local part greets them when their display name is not safe to echo. */
  requesterAddress: string | null;
  authorName: string | null;
  commentText: string | null;
}

export function renderEmail(input: TemplateInput): EmailContent {
  // The acknowledgement goes to whoever the From claims, unasked: it repeats as little of the stranger's text as it can.
  const automatic = input.kind === 'ticket_received';
  const ticketSubject = automatic ? echoedSubject(input.ticketSubject) : input.ticketSubject;
  const subject = `${/^re:/i.test(ticketSubject) ? '' : 'Re: '}${ticketSubject} ${input.referenceToken}`.replace(/\s+/g, ' ').trim();
  const name = echoedName(input.requesterName, input.requesterAddress);
  const greeting = name ? `Hello ${name},` : 'Hello,';
  let body: string[];
  switch (input.kind) {
    case 'ticket_received':
      body = [greeting, '', 'Thank you for your message. We have received your request and will get back to you soon.', `Your reference is ${input.referenceToken}; replying to this email adds to the same request.`];
      break;
    case 'internal_note':
      body = [`${input.authorName ?? 'An agent'} added an internal note (not visible to the customer):`, '', input.commentText ?? ''];
      break;
    default:
      body = [input.commentText ?? '', '', input.authorName ? `-- \n${input.authorName}` : ''];
  }
  const lines = [REPLY_DELIMITER, '', ...body, '', `Reference: ${input.referenceToken}`];
  return { subject, text: lines.join('\n'), html: toHtml(lines) };
}

function toHtml(lines: readonly string[]): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const [delimiter, ...rest] = lines;
  return `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px">`
    + `<div style="color:#8a8886;font-size:12px">${escape(delimiter ?? '')}</div>`
    + `<div>${rest.map((l) => escape(l)).join('<br>\n')}</div></body></html>`;
}
