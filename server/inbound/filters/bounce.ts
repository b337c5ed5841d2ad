import type { Filter } from './context';
import type { DeliveryReport, InboundMail } from '../inbound-mail';
import { messageIdsIn } from '../../tickets/message-id';

/**
 * A delivery failure of mail we sent: noted on the ticket it belongs to, and the ingest step flags the failed
 * addresses so Relaydesk stops mailing them. A report about mail we cannot place is suppressed as
 * `bounce_unmatched`; a report that says nothing failed (delayed, relayed, delivered) is machine mail and is
 * suppressed as an auto-response. Runs before auto-response, which would otherwise swallow every bounce
 * (they carry Auto-Submitted and come from mailer-daemon@).
 */

/** Old-style (non-RFC 3464) notices come from these local parts and quote the returned message in the body. */
const NOTICE_SENDERS = /^(mailer-daemon|postmaster)([+.\-_].*)?$/i;
/** Only the start of a notice is scanned for the returned headers; the rest is the bounced mail's body. */
const NOTICE_SCAN_CHARS = 64 * 1024;
/** qmail's form: a line `<bob@example.com>:` followed by the remote server's answer. */
const QMAIL_RECIPIENT = /^<([^<>\s@]+@[^<>\s]+)>:\s*$/gm;

export const bounce: Filter = {
  name: 'bounce',
  async run(ctx, env) {
    const { mail } = ctx;
    const report = mail.deliveryReport ?? plainNotice(mail);
    if (!report) return;
    const failed = report.recipients.filter((r) => r.action === 'failed' || r.status?.startsWith('5'));
    if (mail.deliveryReport && failed.length === 0) {
      ctx.suppressed = { reason: 'auto_response', detail: `delivery-status=${report.recipients[0]?.action || 'none'}` };
      return;
    }
    // The returned Message-ID first; some servers (Exchange) also put it in the report's In-Reply-To.
    const candidates = [...new Set([report.originalMessageId, ...mail.inReplyTo, ...mail.references].filter((id): id is string => !!id))];
    const match = await env.ticketForMessageIds(candidates);
    if (!match) {
      // A plain notice we cannot place is left to auto-response (it comes from mailer-daemon@ after all).
      if (mail.deliveryReport) ctx.suppressed = { reason: 'bounce_unmatched', detail: report.originalMessageId ?? 'no_original_message_id' };
      return;
    }
    const first = failed[0];
    ctx.bounce = {
      ticketId: match.ticketId,
      failedRecipients: [...new Set(failed.map((r) => r.address))],
      diagnostic: first?.diagnostic ?? first?.status ?? 'delivery failed',
    };
  },
};

/** A mailer-daemon notice without a delivery-status part: the returned Message-ID and qmail-style recipients. */
function plainNotice(mail: InboundMail): DeliveryReport | null {
  if (!NOTICE_SENDERS.test(mail.from?.address.split('@')[0] ?? '')) return null;
  const text = mail.text.slice(0, NOTICE_SCAN_CHARS);
  // `[ \t>]*`, not `[\s>]*`: a prefix that could span lines would rescan every following line from each line start.
  const returnedId = /^[ \t>]*message-id:\s*(<[^<>\s]+>)/im.exec(text)?.[1] ?? null;
  const recipients = [...text.matchAll(QMAIL_RECIPIENT)].map((m) => ({
    address: (m[1] ?? '').toLowerCase(),
    action: 'failed',
    status: null,
    diagnostic: text.slice((m.index ?? 0) + m[0].length).trim().split('\n')[0]?.trim() || null,
  }));
  return { recipients, originalMessageId: returnedId ? (messageIdsIn(returnedId)[0] ?? null) : null };
}
