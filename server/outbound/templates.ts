import { DEFAULT_MAILBOX_LANGUAGE, type MailboxLanguage } from '../mailboxes/mailbox-language';
import { REPLY_DELIMITERS } from '../tickets/reply-delimiter';
import { echoedName, echoedSubject } from './echoed-text';
import { EMAIL_MESSAGES } from './email-messages';
import { translator, type Translate } from './message-catalog';
import type { OutboxKind } from './outbox-kinds';

/** The words of Relaydesk's emails. Text and HTML say the same; the HTML is built from escaped text only. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateInput {
  kind: OutboxKind;
  /** The sending mailbox's language; English when not given. */
  language?: MailboxLanguage;
  ticketSubject: string;
  /** `[RD:1A-7QX2K]`: in the subject and the body, so replies thread even without headers. */
  referenceToken: string;
  requesterName: string | null;
  /** The requester's address: its local part greets them when their display name is not safe to echo. */
  requesterAddress: string | null;
  authorName: string | null;
  commentText: string | null;
}

type EmailTranslate = Translate<keyof (typeof EMAIL_MESSAGES)['en-US']>;
const TRANSLATORS = new Map<MailboxLanguage, EmailTranslate>();

function translate(language: MailboxLanguage): EmailTranslate {
  let t = TRANSLATORS.get(language);
  if (!t) TRANSLATORS.set(language, (t = translator(EMAIL_MESSAGES, language)));
  return t;
}

export function renderEmail(input: TemplateInput): EmailContent {
  const language = input.language ?? DEFAULT_MAILBOX_LANGUAGE;
  const t = translate(language);
  // The acknowledgement goes to whoever the From claims, unasked: it repeats as little of the stranger's text as it can.
  const automatic = input.kind === 'ticket_received';
  const ticketSubject = automatic ? echoedSubject(input.ticketSubject) : input.ticketSubject;
  // "Re:" in every language: mail clients thread on it, and Italian clients read it as their own "R:".
  const subject = `${/^re:/i.test(ticketSubject) ? '' : 'Re: '}${ticketSubject} ${input.referenceToken}`.replace(/\s+/g, ' ').trim();
  const name = echoedName(input.requesterName, input.requesterAddress);
  const reference = input.referenceToken;
  let body: string[];
  switch (input.kind) {
    case 'ticket_received':
      body = [t('email.greeting', { hasName: name ? 'yes' : 'no', name: name ?? '' }), '', t('email.ack.thanks'), t('email.ack.reference', { reference })];
      break;
    case 'internal_note':
      body = [t('email.note.intro', { hasAuthor: input.authorName ? 'yes' : 'no', author: input.authorName ?? '' }), '', input.commentText ?? ''];
      break;
    default:
      body = [input.commentText ?? '', '', input.authorName ? `-- \n${input.authorName}` : ''];
  }
  const lines = [REPLY_DELIMITERS[language], '', ...body, '', t('email.footer.reference', { reference })];
  return { subject, text: lines.join('\n'), html: toHtml(lines, language) };
}

function toHtml(lines: readonly string[], language: MailboxLanguage): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const [delimiter, ...rest] = lines;
  return `<!doctype html><html lang="${language}"><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px">`
    + `<div style="color:#8a8886;font-size:12px">${escape(delimiter ?? '')}</div>`
    + `<div>${rest.map((l) => escape(l)).join('<br>\n')}</div></body></html>`;
}
