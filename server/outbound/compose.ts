import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { relaydeskHeaders } from '../tickets/our-mail-marks';
import type { EmailContent } from './templates';

export interface OutgoingEmail {
  from: { name: string | null; address: string };
  to: string[];
  cc: string[];
  messageId: string;
  /** The customer's thread: the message replied to, and the chain before it. */
  inReplyTo: string | null;
  references: string[];
  content: EmailContent;
  /** The linked mailbox (account) sending it, and the outbox row: both come back in replies' headers. */
  accountId: number;
  emailId: number;
  attachments: { filename: string; contentType: string; content: Buffer; contentId?: string | null }[];
}

/**
 * Raw RFC 822 for one email, built by nodemailer's composer: every header is encoded by the library, so a
 * CR/LF in a subject or name can never start a header of its own.
 */
export function composeMime(email: OutgoingEmail): Promise<Buffer> {
  const options: Mail.Options = {
    from: { name: email.from.name ?? '', address: email.from.address },
    to: email.to,
    cc: email.cc.length > 0 ? email.cc : undefined,
    subject: email.content.subject,
    messageId: email.messageId,
    inReplyTo: email.inReplyTo ?? undefined,
    references: email.references.length > 0 ? email.references : undefined,
    text: email.content.text,
    html: email.content.html,
    headers: relaydeskHeaders({ accountId: email.accountId, emailId: email.emailId }),
    attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, ...(a.contentId ? { cid: a.contentId } : {}) })),
  };
  return new Promise((resolve, reject) => {
    new MailComposer(options).compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}
