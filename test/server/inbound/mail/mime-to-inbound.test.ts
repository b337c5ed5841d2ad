import { ATTACHMENT_OVER_SIZE_CAP, MAX_REFERENCES, SYNTHESIZED_MESSAGE_ID_DOMAIN } from '../../../../server/inbound/mail/mail-fields';
import { DEFAULT_MAX_ATTACHMENT_BYTES, inboundMailFromMime, MailParseError, type MimeToInboundOptions } from '../../../../server/inbound/mail/mime-to-inbound';
import { htmlToText } from '../../../../server/inbound/mail/mail-html';
import { parseFixture, rawFixture, variant } from '../support';

describe('inboundMailFromMime: a plain customer email', () => {
  it('lower-cases addresses, keeps names, brackets the Message-ID and reads the date as ISO', async () => {
    const mail = await parseFixture('plain-customer.eml');
    expect(mail.internetMessageId).toBe('<20250603091358.4f2a@mail.customer.example>');
    expect(mail.from).toEqual({ address: 'bob.meyer@customer.example', name: 'Bob Meyer' });
    expect(mail.to).toEqual([{ address: 'support@acme.test', name: 'Acme Support' }]);
    expect(mail.cc).toEqual([]);
    expect(mail.replyTo).toEqual([]);
    expect(mail.sender).toBeNull();
    expect(mail.date).toBe('2025-06-03T07:13:58.000Z');
    expect(mail.subject).toBe('Printer on floor 3 prints blank pages');
    expect(mail.contentType).toBe('text/plain');
    expect(mail.html).toBeNull();
    expect(mail.text.startsWith('Hello,\n\nsince this morning the printer on floor 3')).toBe(true);
    expect(mail.text.endsWith('Customer Example Ltd.')).toBe(true);
    expect(mail.deliveryReport).toBeNull();
    expect(mail.attachments).toEqual([]);
  });

  it('keeps every header, case-insensitively and in order, folded lines joined', async () => {
    const mail = await parseFixture('plain-customer.eml');
    expect(mail.headers.get('USER-AGENT')).toBe('Thunderbird/128.0');
    expect(mail.headers.getAll('received')).toHaveLength(1);
    expect(mail.headers.get('received')).toMatch(/^from mail\.customer\.example .* for <support@acme\.test>; Tue, 03 Jun 2025 09:14:02 \+0200$/);
    expect(mail.headers.names().slice(0, 3)).toEqual(['return-path', 'received', 'from']);
  });
});

describe('inboundMailFromMime: HTML', () => {
  it('sanitizes an HTML-only mail: no script, style, handlers, forms or frames; remote images become links', async () => {
    const mail = await parseFixture('html-only-script.eml');
    const html = mail.html ?? '';
    expect(html).not.toMatch(/<script|<style|<iframe|<form|<input|onclick|onload|javascript:|document\.cookie|style=/i);
    // The remote logo is a plain link now (no request leaves the agent's browser), the 1x1 tracker is gone.
    expect(html).toContain('<a href="https://cdn.customer.example/logo.png" rel="noopener noreferrer nofollow" target="_blank">Customer logo</a>');
    expect(html).not.toContain('tracker.example');
    expect(html).not.toMatch(/<img[^>]+src="https?:/);
    // Our own inline attachment may still be shown.
    expect(html).toContain('<img src="cid:shot-001@customer.example" alt="screenshot" />');
    expect(html).toContain('<a href="https://portal.acme.test/invoices" rel="noopener noreferrer nofollow" target="_blank">the portal</a>');
  });

  it('converts HTML to text when there is no text part, without the title, style or script', async () => {
    const mail = await parseFixture('html-only-script.eml');
    expect(mail.text).toBe(
      'Hello support,\n\nWhen I open the invoice portal I get error 500.\n\nScreenshot:\n\nOur logo:\n\nSee the portal <https://portal.acme.test/invoices> or this.\n\nRegards,\nCarla',
    );
  });

  it('prefers the text part of multipart/alternative and sanitizes the HTML part beside it', async () => {
    const mail = await parseFixture('gmail-reply.eml');
    expect(mail.contentType).toBe('multipart/alternative');
    expect(mail.text.startsWith('Thanks, it prints again!\n\nOn Tue, Jun 3, 2025 at 11:20 AM Acme Support <support@acme.test>\nwrote:')).toBe(true);
    expect(mail.html).toContain('<blockquote>Hello Bob,');
    expect(mail.html).not.toContain('style=');
  });
});

describe('htmlToText', () => {
  it('keeps the structure a reader needs: paragraphs, line breaks, lists, quotes, preformatted text and link targets', () => {
    const html = [
      '<div>Hi &amp; hello,<br>second&nbsp;line</div>',
      '<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>',
      '<blockquote>quoted<blockquote>deeper</blockquote></blockquote>',
      '<pre>  indented\n    more</pre>',
      '<p>See <a href="https://acme.test/kb">the article</a>, <a href="mailto:help@acme.test">help@acme.test</a> and <a href="https://acme.test">https://acme.test</a>.</p>',
      '<table><tr><td>a</td><td>b</td></tr></table>',
    ].join('');
    expect(htmlToText(html)).toBe(
      [
        'Hi & hello,',
        'second line',
        '',
        '- one',
        '- two',
        '',
        '1. first',
        '2. second',
        '',
        '> quoted',
        '>',
        '> > deeper',
        '',
        '  indented',
        '    more',
        '',
        'See the article <https://acme.test/kb>, help@acme.test and https://acme.test.',
        '',
        'a b',
      ].join('\n'),
    );
  });

  it('leaves out what is not text: comments, head, scripts, styles, images', () => {
    expect(htmlToText('<!--[if mso]>x<![endif]--><head><title>t</title><style>p{}</style></head><script>var a = 1;</script><p>Only<img src="https://x.example/a.png" alt="pic"> this</p>')).toBe('Only this');
  });
});

describe('inboundMailFromMime: encodings', () => {
  it('decodes an RFC 2047 subject and sender name and a quoted-printable UTF-8 body', async () => {
    const mail = await parseFixture('non-ascii-subject.eml');
    expect(mail.subject).toBe('Ärger mit der Rechnung – Überweisung fehlgeschlagen');
    expect(mail.headers.get('subject')).toBe('Ärger mit der Rechnung – Überweisung fehlgeschlagen');
    expect(mail.from).toEqual({ address: 'juergen.koehler@kunde.example', name: 'Jürgen Köhler' });
    expect(mail.text).toContain('die Überweisung für Rechnung Nr. 4711 ist fehlgeschlagen. Der Betrag von 1.234,56 € wurde zurückgebucht.');
    // The Date header carries a `(CEST)` comment, which must not make it unparseable.
    expect(mail.date).toBe('2025-06-04T05:30:00.000Z');
  });
});

describe('inboundMailFromMime: threading headers', () => {
  it('reads In-Reply-To and References as bracketed ids, oldest reference first', async () => {
    const mail = await parseFixture('outlook-reply.eml');
    expect(mail.inReplyTo).toEqual(['<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>']);
    expect(mail.references).toEqual(['<20250603091358.4f2a@mail.customer.example>', '<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>']);
  });

  it(`keeps only the newest ${MAX_REFERENCES} references, so a huge References header cannot become a huge query`, async () => {
    const ids = Array.from({ length: 80 }, (_, i) => `<ref-${i}@old.example>`);
    const mail = await inboundMailFromMime(variant('plain-customer.eml', { add: [`References: ${ids.join('\n ')}`] }));
    expect(mail.references).toHaveLength(MAX_REFERENCES);
    expect(mail.references[0]).toBe('<ref-30@old.example>');
    expect(mail.references.at(-1)).toBe('<ref-79@old.example>');
  });
});

describe('inboundMailFromMime: attachments', () => {
  it('keeps attachments under the cap and lists the ones over it without their content', async () => {
    const mail = await parseFixture('attachment-over-cap.eml', { maxAttachmentBytes: 2048 });
    const byName = new Map(mail.attachments.map((a) => [a.filename, a]));
    expect([...byName.keys()]).toEqual(['screenshot.png', 'invoice-4711.pdf', 'notes.txt']);
    const pdf = byName.get('invoice-4711.pdf');
    expect(pdf).toMatchObject({ contentType: 'application/pdf', size: 3621, content: null, omittedReason: ATTACHMENT_OVER_SIZE_CAP, inline: false });
    expect(byName.get('notes.txt')?.content?.toString('utf8')).toBe('Toner replaced on June 2.');
    expect(byName.get('notes.txt')?.omittedReason).toBeNull();
    expect(byName.get('screenshot.png')).toMatchObject({ contentId: 'shot-001@customer.example', inline: true, size: 70, omittedReason: null });
    expect(mail.html).toContain('<img src="cid:shot-001@customer.example"');
  });

  it(`keeps the same attachment under the default cap of ${DEFAULT_MAX_ATTACHMENT_BYTES} bytes`, async () => {
    const mail = await parseFixture('attachment-over-cap.eml');
    const pdf = mail.attachments.find((a) => a.filename === 'invoice-4711.pdf');
    expect(pdf?.content?.length).toBe(3621);
    expect(pdf?.content?.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});

describe('inboundMailFromMime: delivery status notifications', () => {
  it('reads recipients, actions, statuses and the returned Message-ID of a multipart/report', async () => {
    const mail = await parseFixture('dsn-bounce.eml');
    expect(mail.contentType).toBe('multipart/report');
    expect(mail.deliveryReport).toEqual({
      recipients: [
        {
          address: 'dana.fischer@customer.example',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <dana.fischer@customer.example>: Recipient address rejected: User unknown in virtual mailbox table',
        },
        { address: 'bob.meyer@customer.example', action: 'delivered', status: '2.0.0', diagnostic: null },
      ],
      originalMessageId: '<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>',
    });
    // The report parts stay as attachments: the full original is kept.
    expect(mail.attachments.map((a) => a.contentType)).toEqual(['message/delivery-status', 'text/rfc822-headers']);
    expect(mail.text).not.toContain('Reporting-MTA');
  });

  it('reads the returned Message-ID from a message/rfc822-headers part too', async () => {
    const mail = await parseFixture('dsn-delayed.eml');
    expect(mail.deliveryReport?.originalMessageId).toBe('<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>');
    expect(mail.deliveryReport?.recipients).toEqual([
      { address: 'bob.meyer@customer.example', action: 'delayed', status: '4.4.1', diagnostic: 'connect to mail.customer.example: Connection timed out' },
    ]);
  });

  it('reads no delivery report into an ordinary message', async () => {
    expect((await parseFixture('mailer-daemon-plain-notice.eml')).deliveryReport).toBeNull();
  });
});

describe('inboundMailFromMime: messages that are not well formed', () => {
  it('gives a message without Message-ID a stable synthetic one, so a re-fetch dedupes instead of making a second ticket', async () => {
    const first = await parseFixture('no-message-id.eml');
    const again = await parseFixture('no-message-id.eml');
    const other = await inboundMailFromMime(variant('no-message-id.eml', { replace: [['MFP-3, floor 3', 'MFP-4, floor 4']] }));
    expect(first.internetMessageId).toMatch(new RegExp(`^<[0-9a-f]{40}@${SYNTHESIZED_MESSAGE_ID_DOMAIN.replace(/\./g, '\\.')}>$`));
    expect(again.internetMessageId).toBe(first.internetMessageId);
    expect(other.internetMessageId).not.toBe(first.internetMessageId);
  });

  it('parses a malformed message as far as it goes instead of dropping it', async () => {
    const mail = await parseFixture('malformed.eml');
    expect(mail.internetMessageId).toBe('<broken-client-0607@customer.example>');
    expect(mail.from?.address).toBe('broken@customer.example');
    expect(mail.to).toEqual([{ address: 'support@acme.test', name: null }]);
    expect(mail.date).toBeNull();
    expect(mail.text).toContain('Hello, the VPN is down.');
    // PostgreSQL cannot store NUL in text; the stray one in the HTML is gone.
    expect(`${mail.subject}${mail.text}${mail.html ?? ''}`).not.toContain('\0');
    expect(mail.html).toContain('Grüße from <b>BrokenClient</b>');
  });

  it('treats bytes with no headers at all as a message with a synthetic id, not an error', async () => {
    const mail = await inboundMailFromMime(Buffer.from('just some words\nand no headers\n'));
    expect(mail.internetMessageId).toMatch(/@synthesized\.relaydesk\.invalid>$/);
    expect(mail.from).toBeNull();
    expect(mail.contentType).toBe('text/plain');
  });

  it.each<[string, Buffer, MimeToInboundOptions, string]>([
    ['an empty message', Buffer.alloc(0), {}, 'empty_message'],
    ['a message over maxMessageBytes', rawFixture('plain-customer.eml'), { maxMessageBytes: 100 }, 'message_too_large'],
    ['a header block over 1 MB', Buffer.from(`From: a@b.example\nX-Big: ${'a'.repeat(1_100_000)}\n\nhi`), {}, 'mime_unparseable'],
    [
      'a message of over 500 MIME parts',
      Buffer.from(`From: a@b.example\nContent-Type: multipart/mixed; boundary="b"\n\n${Array.from({ length: 600 }, (_, i) => `--b\nContent-Type: text/plain\n\n${i}\n`).join('')}--b--\n`),
      {},
      'mime_unparseable',
    ],
  ])('rejects %s with a MailParseError code for the dead-letter queue', async (_name, raw, options, code) => {
    const error = await inboundMailFromMime(raw, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailParseError);
    expect((error as MailParseError).code).toBe(code);
  });
});

describe('inboundMailFromMime: options', () => {
  it.each<[string, unknown, new (...args: never[]) => Error]>([
    ['0', { maxAttachmentBytes: 0 }, RangeError],
    ['NaN', { maxAttachmentBytes: Number.NaN }, RangeError],
    ['Infinity', { maxAttachmentBytes: Number.POSITIVE_INFINITY }, RangeError],
    ['a negative number', { maxMessageBytes: -1 }, RangeError],
    ['a fraction', { maxAttachmentBytes: 1.5 }, RangeError],
    ['a string', { maxAttachmentBytes: '10mb' }, TypeError],
    ['null', { maxMessageBytes: null }, TypeError],
    ['a misspelt name', { maxAttachmentSize: 1024 }, TypeError],
  ])('refuses %s instead of silently disabling a limit', async (_name, options, errorType) => {
    await expect(inboundMailFromMime(rawFixture('plain-customer.eml'), options as MimeToInboundOptions)).rejects.toThrow(errorType);
  });

  it('refuses input that is not a Buffer', async () => {
    await expect(inboundMailFromMime('From: a@b.example\n\nhi' as unknown as Buffer)).rejects.toThrow(TypeError);
  });
});
