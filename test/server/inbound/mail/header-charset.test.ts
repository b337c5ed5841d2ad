import iconv from 'iconv-lite';
import { normalizeHeaderCharset } from '../../../../server/inbound/mail/header-charset';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';

// Issue 11, item 9: subjects and names sent as raw 8-bit bytes, without RFC 2047 encoded words, used to show
// as replacement characters. The header block is now decoded by its most likely charset.

function message(charset: string, subject: string, name: string, declared: string | null): Buffer {
  const head = iconv.encode(`From: ${name} <customer@example.com>\r\nTo: support@contoso.test\r\nSubject: ${subject}\r\nMessage-ID: <cs@example.com>\r\n`, charset);
  const contentType = Buffer.from(`Content-Type: text/plain${declared ? `; charset=${declared}` : ''}\r\n\r\n`);
  return Buffer.concat([head, contentType, iconv.encode(`${subject}\r\n`, charset)]);
}

describe('raw 8-bit headers', () => {
  it.each([
    ['GB2312', 'gb2312', '您好，我的订单还没有到，请帮忙查一下', '李伟'],
    ['Shift_JIS', 'shift_jis', '注文した商品がまだ届いていません', '山田 太郎'],
    ['Windows-1252', 'windows-1252', 'Commande reçue, déjà payée, où est-elle ?', 'Émilie Dubois'],
  ])('%s, seeded by the body charset', async (_, charset, subject, name) => {
    const mail = await inboundMailFromMime(message(charset, subject, name, charset));
    expect(mail.subject).toBe(subject);
    expect(mail.from).toEqual({ address: 'customer@example.com', name });
    expect(mail.subject).not.toContain('\ufffd');
  });

  it.each([
    ['GB2312', 'gb2312', '您好，我的订单还没有到，请帮忙查一下我的包裹现在在哪里', '李伟'],
    ['Shift_JIS', 'shift_jis', '注文した商品がまだ届いていません。確認していただけますか', '山田 太郎'],
  ])('%s without any declared charset: detected', async (_, charset, subject, name) => {
    const mail = await inboundMailFromMime(message(charset, subject, name, null));
    expect(mail.subject).toBe(subject);
  });

  it('leaves ASCII and UTF-8 header blocks byte for byte as they were', () => {
    const utf8 = Buffer.from('Subject: Grüße, 你好\r\n\r\nbody');
    const ascii = Buffer.from('Subject: plain\r\n\r\nbody \xe9');
    expect(normalizeHeaderCharset(utf8)).toBe(utf8);
    expect(normalizeHeaderCharset(ascii)).toBe(ascii);
  });
});
