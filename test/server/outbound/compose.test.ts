import { simpleParser } from 'mailparser';
import { composeMime, type OutgoingEmail } from '../../../server/outbound/compose';
import { renderEmail } from '../../../server/outbound/templates';
import { findReference } from '../../../server/tickets/reference';
import { REPLY_DELIMITER } from '../../../server/tickets/reply-delimiter';

function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    from: { name: 'Contoso Support', address: 'support@contoso.test' },
    to: ['jordan@fabrikam.test'],
    cc: ['pat@fabrikam.test'],
    messageId: '<relaydesk.7.42.abcdef@relaydesk.contoso.test>',
    inReplyTo: '<customer-1@fabrikam.test>',
    references: ['<customer-0@fabrikam.test>', '<customer-1@fabrikam.test>'],
    content: renderEmail({ kind: 'public_reply', ticketSubject: 'Printer on fire', referenceToken: '[RD:7-ABCDE]', requesterName: 'Jordan', requesterAddress: null, authorName: 'Alex Wilber', commentText: 'We sent a technician.' }),
    accountId: 3,
    emailId: 42,
    attachments: [],
    ...overrides,
  };
}

/** Header lines of the top-level header block, unfolded. */
function headerBlock(mime: Buffer): string[] {
  const head = mime.toString('utf8').split(/\r\n\r\n/)[0] ?? '';
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

describe('composeMime', () => {
  it('carries the loop-safe headers, our Message-ID and the customer thread', async () => {
    const mime = await composeMime(email());
    const parsed = await simpleParser(mime);
    expect(parsed.messageId).toBe('<relaydesk.7.42.abcdef@relaydesk.contoso.test>');
    expect(parsed.inReplyTo).toBe('<customer-1@fabrikam.test>');
    expect(parsed.references).toEqual(['<customer-0@fabrikam.test>', '<customer-1@fabrikam.test>']);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.headers.get('x-mailer')).toBe('Relaydesk Mailer');
    expect(parsed.headers.get('x-relaydesk-from-account-id')).toBe('3');
    expect(parsed.headers.get('x-relaydesk-email-id')).toBe('42');
    expect(parsed.from?.value).toEqual([{ name: 'Contoso Support', address: 'support@contoso.test' }]);
    expect(headerBlock(mime).filter((l) => /^x-mailer:/i.test(l))).toHaveLength(1);
  });

  it('puts the reply delimiter and the ticket reference in both bodies and the reference in the subject', async () => {
    const parsed = await simpleParser(await composeMime(email()));
    expect(parsed.subject).toBe('Re: Printer on fire [RD:7-ABCDE]');
    expect(parsed.text).toContain(REPLY_DELIMITER);
    expect(findReference(parsed.text ?? '')).toBe('7-ABCDE');
    expect(parsed.html).toContain('[RD:7-ABCDE]');
    expect(parsed.text).toContain('We sent a technician.');
  });

  it.each([
    ['a subject', { subject: 'Hello\r\nBcc: attacker@evil.test' }],
    ['a subject with a bare LF', { subject: 'Hello\nX-Injected: 1' }],
  ])('never lets CR/LF in %s add a header', async (_label, injected) => {
    const content = { ...renderEmail({ kind: 'public_reply', ticketSubject: injected.subject, referenceToken: '[RD:7-ABCDE]', requesterName: null, requesterAddress: null, authorName: null, commentText: 'x' }) };
    const mime = await composeMime(email({ content: { ...content, subject: injected.subject } }));
    const lines = headerBlock(mime);
    expect(lines.some((l) => /^(bcc|x-injected):/i.test(l))).toBe(false);
    const parsed = await simpleParser(mime);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('x-injected')).toBe(false);
  });

  it('escapes comment text in the HTML body', () => {
    const { html } = renderEmail({ kind: 'public_reply', ticketSubject: 's', referenceToken: '[RD:1-AAAAA]', requesterName: null, requesterAddress: null, authorName: '<b>Eve</b>', commentText: '<script>alert(1)</script>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });
});
