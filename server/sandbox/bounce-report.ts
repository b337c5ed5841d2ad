import crypto from 'node:crypto';

/**
 * A delivery status notification (RFC 3464 multipart/report) like the one Exchange Online sends back when a
 * recipient does not exist: human-readable part, message/delivery-status, and the original's headers.
 */
export interface BounceInput {
  /** Who gets the bounce (the original sender). */
  to: string;
  /** The reporting MTA's postmaster address. */
  from: string;
  failedRecipient: string;
  originalSubject: string;
  originalMessageId: string;
  originalHeaders: string;
  reportingMta: string;
  date?: Date;
  status?: string;
  diagnostic?: string;
}

export function buildBounce(input: BounceInput): Buffer {
  const boundary = `----=_NDR_${crypto.randomBytes(8).toString('hex')}`;
  const date = (input.date ?? new Date()).toUTCString().replace('GMT', '+0000');
  const status = input.status ?? '5.1.10';
  const diagnostic = input.diagnostic ?? `smtp; 550 ${status} RESOLVER.ADR.RecipientNotFound; Recipient ${input.failedRecipient} not found by SMTP address lookup`;
  const messageId = `<${crypto.randomUUID()}@${input.reportingMta}>`;
  const lines = [
    `From: Microsoft Outlook <${input.from}>`,
    `To: <${input.to}>`,
    `Date: ${date}`,
    `Subject: Undeliverable: ${encodeIfNeeded(input.originalSubject)}`,
    `Message-ID: ${messageId}`,
    `In-Reply-To: ${input.originalMessageId}`,
    `References: ${input.originalMessageId}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    "Your message to " + input.failedRecipient + " couldn't be delivered.",
    '',
    `${input.failedRecipient.split('@')[0] ?? ''} wasn't found at ${input.failedRecipient.split('@')[1] ?? ''}.`,
    '',
    `Remote server returned '${diagnostic.replace(/^smtp; /, '')}'`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.reportingMta}`,
    '',
    `Final-recipient: rfc822; ${input.failedRecipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    input.originalHeaders.replace(/\r?\n$/, ''),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function encodeIfNeeded(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

/** The header block of a raw message, as text (for the bounce's text/rfc822-headers part). */
export function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n/g, '\r\n');
}
