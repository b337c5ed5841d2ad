import type { GraphMailMessage } from '../../../../server/graph/mail-message';
import { graphToInbound, mimeRequiredReason, MimeRequiredError } from '../../../../server/inbound/mail/graph-to-inbound';
import { parseFixture, rawFixture } from '../support';

/** What Graph lists for the Outlook reply fixture, with the fields the sync selects. */
function outlookReplyAsGraph(): GraphMailMessage {
  return {
    id: 'AAMkAGI2TG93AAA=',
    internetMessageId: '<AM0PR07MB6123ABCDEF0123456789A0@AM0PR07MB6123.eurprd07.prod.outlook.com>',
    subject: 'RE: [RD:1-K4QX9] Printer on floor 3 prints blank pages',
    from: { emailAddress: { name: 'Dana Fischer', address: 'Dana.Fischer@Customer.Example' } },
    sender: { emailAddress: { name: 'Dana Fischer', address: 'dana.fischer@customer.example' } },
    replyTo: [],
    toRecipients: [{ emailAddress: { name: 'Acme Support', address: 'support@acme.test' } }],
    ccRecipients: [{ emailAddress: { name: '', address: 'Ivy.Chen@customer.example' } }, { emailAddress: { name: 'Nobody', address: null } }],
    receivedDateTime: '2025-06-04T08:45:20Z',
    hasAttachments: false,
    body: { contentType: 'text', content: 'Hi,\r\n\r\nthe printer works again.\r\n\r\n-----Original Message-----\r\nFrom: Acme Support' },
    internetMessageHeaders: [
      { name: 'Date', value: 'Wed, 4 Jun 2025 08:45:12 +0000' },
      { name: 'In-Reply-To', value: '<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>' },
      { name: 'References', value: '<20250603091358.4f2a@mail.customer.example> <ticket-1.outbox-1.7qx2k@relaydesk.acme.test>' },
      { name: 'Auto-Submitted', value: 'auto-replied' },
      { name: 'X-Tag', value: '=?UTF-8?B?w4RyZ2Vy?= am Morgen' },
      { name: 'Content-Type', value: 'text/plain; charset="utf-8"' },
    ],
  };
}

describe('graphToInbound', () => {
  it('normalises addresses, ids and headers like inboundMailFromMime', () => {
    const mail = graphToInbound(outlookReplyAsGraph());
    expect(mail.internetMessageId).toBe('<AM0PR07MB6123ABCDEF0123456789A0@AM0PR07MB6123.eurprd07.prod.outlook.com>');
    expect(mail.from).toEqual({ address: 'dana.fischer@customer.example', name: 'Dana Fischer' });
    expect(mail.cc).toEqual([{ address: 'ivy.chen@customer.example', name: null }]);
    expect(mail.to).toEqual([{ address: 'support@acme.test', name: 'Acme Support' }]);
    expect(mail.inReplyTo).toEqual(['<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>']);
    expect(mail.references).toEqual(['<20250603091358.4f2a@mail.customer.example>', '<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>']);
    expect(mail.headers.get('AUTO-SUBMITTED')).toBe('auto-replied');
    expect(mail.headers.get('x-tag')).toBe('Ärger am Morgen');
    expect(mail.date).toBe('2025-06-04T08:45:12.000Z');
    expect(mail.contentType).toBe('text/plain');
    expect(mail.text).toBe('Hi,\n\nthe printer works again.\n\n-----Original Message-----\nFrom: Acme Support');
    expect(mail.html).toBeNull();
    expect(mail.attachments).toEqual([]);
    expect(mail.deliveryReport).toBeNull();
  });

  it('gives an HTML body the same sanitized HTML and the same text as the MIME path', async () => {
    const raw = rawFixture('html-only-script.eml').toString('utf8');
    const htmlPart = raw.slice(raw.indexOf('\n\n') + 2);
    const fromMime = await parseFixture('html-only-script.eml');
    const fromGraph = graphToInbound({ ...outlookReplyAsGraph(), body: { contentType: 'html', content: htmlPart }, internetMessageHeaders: [] });
    expect(fromGraph.html).toBe(fromMime.html);
    expect(fromGraph.text).toBe(fromMime.text);
    expect(fromGraph.html).not.toMatch(/<script|onclick|tracker\.example/);
    expect(fromGraph.contentType).toBe('text/html');
  });

  it('falls back to receivedDateTime without a Date header, and to a stable synthetic Message-ID without one', () => {
    const message = { ...outlookReplyAsGraph(), internetMessageId: null, internetMessageHeaders: null };
    const first = graphToInbound(message);
    const moved = graphToInbound({ ...message, id: 'AAMkAGI2TG93BBB=' });
    const other = graphToInbound({ ...message, subject: 'Something else' });
    expect(first.date).toBe('2025-06-04T08:45:20.000Z');
    expect(first.internetMessageId).toMatch(/^<[0-9a-f]{40}@synthesized\.relaydesk\.invalid>$/);
    // Graph's id changes when a message moves folders; the synthetic id must not.
    expect(moved.internetMessageId).toBe(first.internetMessageId);
    expect(other.internetMessageId).not.toBe(first.internetMessageId);
  });

  it('reads a message Graph lists without a body or sender as empty, not as an error', () => {
    const mail = graphToInbound({ id: 'x' });
    expect(mail.from).toBeNull();
    expect(mail.text).toBe('');
    expect(mail.subject).toBe('');
    expect(mail.date).toBeNull();
  });

  it.each<[string, Partial<GraphMailMessage>, string | null]>([
    ['a message with attachments', { hasAttachments: true }, 'has_attachments'],
    ['a delivery report', { internetMessageHeaders: [{ name: 'content-type', value: 'multipart/report; report-type=delivery-status; boundary="b"' }] }, 'delivery_report'],
    ['a plain message', {}, null],
  ])('says when %s needs its MIME', (_name, change, reason) => {
    const message = { ...outlookReplyAsGraph(), ...change };
    expect(mimeRequiredReason(message)).toBe(reason);
    if (reason === null) {
      expect(() => graphToInbound(message)).not.toThrow();
    } else {
      let error: unknown = null;
      try {
        graphToInbound(message);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MimeRequiredError);
      expect((error as MimeRequiredError).reason).toBe(reason);
    }
  });
});

describe('graphToInbound with expanded attachments', () => {
  const withAttachments = (): GraphMailMessage => ({ ...outlookReplyAsGraph(), hasAttachments: true });
  const file = (name: string, bytes: Buffer, extra: Record<string, unknown> = {}) => ({
    '@odata.type': '#microsoft.graph.fileAttachment',
    name,
    contentType: 'application/pdf',
    size: bytes.length,
    isInline: false,
    contentId: null,
    contentBytes: bytes.toString('base64'),
    ...extra,
  });

  it('takes plain file attachments from the list, sparing the MIME download', () => {
    const pdf = Buffer.from('%PDF-1.7 invoice');
    const mail = graphToInbound(withAttachments(), [file('invoice.pdf', pdf), file('logo.png', Buffer.from('png'), { contentType: 'IMAGE/PNG', isInline: true, contentId: '<logo@x>' })]);
    expect(mail.attachments).toEqual([
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: pdf.length, contentId: null, inline: false, content: pdf, omittedReason: null },
      { filename: 'logo.png', contentType: 'image/png', size: 3, contentId: 'logo@x', inline: true, content: Buffer.from('png'), omittedReason: null },
    ]);
  });

  it('keeps the metadata of an attachment over the cap but not its content', () => {
    const mail = graphToInbound(withAttachments(), [file('big.bin', Buffer.alloc(64, 1))], 10);
    expect(mail.attachments[0]).toMatchObject({ filename: 'big.bin', size: 64, content: null, omittedReason: 'over_size_cap' });
  });

  it('never takes a delivery report from the list: only its MIME carries the failed recipients', () => {
    const report: GraphMailMessage = {
      ...withAttachments(),
      internetMessageHeaders: [{ name: 'Content-Type', value: 'multipart/report; report-type=delivery-status; boundary="b"' }],
    };
    expect(mimeRequiredReason(report)).toBe('delivery_report');
    expect(() => graphToInbound(report, [file('details.txt', Buffer.from('Status: 5.1.1'))])).toThrow(MimeRequiredError);
  });

  it.each([
    ['an attached email (no contentBytes)', [{ '@odata.type': '#microsoft.graph.itemAttachment', name: 'Fwd', size: 10 }]],
    ['no attachments given', undefined],
  ])('still asks for the MIME for %s', (_label, attachments) => {
    expect(() => graphToInbound(withAttachments(), attachments)).toThrow(MimeRequiredError);
  });
});
