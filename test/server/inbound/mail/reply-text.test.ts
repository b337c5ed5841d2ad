import { htmlToText } from '../../../../server/inbound/mail/mail-html';
import { extractReplyText } from '../../../../server/inbound/mail/reply-text';
import { REPLY_DELIMITER, REPLY_DELIMITERS } from '../../../../server/tickets/reply-delimiter';
import { parseFixture } from '../support';

describe('extractReplyText on real replies', () => {
  it.each([
    [
      'an Outlook reply: cut above the underscore line and its From/Sent block',
      'outlook-reply.eml',
      'Hi,\n\nthe technician was here, the printer works again. You can close the ticket.\n\nBest regards\nDana',
    ],
    ['a Gmail reply: cut above "On ... wrote:", wrapped over two lines', 'gmail-reply.eml', 'Thanks, it prints again!'],
    [
      'a reply with our delimiter: cut above the client quote header, keeping a line the customer quoted on purpose',
      'reply-with-delimiter.eml',
      'The printer is fine now, but the scanner next to it jams.\n> By the way, this line quotes something on purpose.',
    ],
    ['a new message with no quote: all of it', 'plain-customer.eml', undefined],
  ])('%s', async (_name, fixture, expected) => {
    const mail = await parseFixture(fixture);
    expect(extractReplyText(mail.text)).toBe(expected ?? mail.text);
  });

  it('finds the same reply in the HTML part of a Gmail reply (blockquotes become > lines)', async () => {
    const mail = await parseFixture('gmail-reply.eml');
    expect(extractReplyText(htmlToText(mail.html ?? ''))).toBe('Thanks, it prints again!');
  });
});

describe('extractReplyText on quote styles', () => {
  it.each([
    ['"-----Original Message-----"', 'Please ship it.\n\n-----Original Message-----\nFrom: Acme\nSent: Monday\n\nOld text', 'Please ship it.'],
    ['Outlook From/Sent without a separator line', 'Done.\r\n\r\nFrom: Acme Support <support@acme.test>\r\nSent: Monday, June 2, 2025 9:00 AM\r\nTo: me\r\n\r\nOld', 'Done.'],
    ['Outlook bold headers from an HTML body', 'Yes.\n\n*From:* Acme Support\n*Sent:* Monday\n\nOld', 'Yes.'],
    ['a German attribution', 'Danke!\n\nAm 03.06.2025 um 11:20 schrieb Acme Support <support@acme.test>:\n> alt', 'Danke!'],
    ['a French attribution', 'Merci.\n\nLe mar. 3 juin 2025 à 11:20, Acme Support <support@acme.test> a écrit :\n> ancien', 'Merci.'],
    ['plain > quoting', 'Sounds good.\n> earlier text\n> more', 'Sounds good.'],
    ['our delimiter with no quote header', `New info here.\n\n${REPLY_DELIMITER}\n\nOld notification`, 'New info here.'],
    ['our delimiter quoted by the client', `Ok\n\n> ${REPLY_DELIMITER}\n> Old`, 'Ok'],
    ['a delimiter in different case', `Ok then\n${REPLY_DELIMITER.toUpperCase()}\nOld`, 'Ok then'],
  ])('cuts at %s', (_name, body, expected) => {
    expect(extractReplyText(body)).toBe(expected);
  });

  // A mailbox's language can change: replies to its emails in every language, old and new, are cut.
  it.each(Object.entries(REPLY_DELIMITERS))('cuts at the %s delimiter, also quoted and in another case', (_language, delimiter) => {
    expect(extractReplyText(`Grazie, ora funziona.\n\n${delimiter}\n\nBuongiorno,`)).toBe('Grazie, ora funziona.');
    expect(extractReplyText(`Ok\n\n> ${delimiter.toUpperCase()}\n> Old`)).toBe('Ok');
  });

  it.each([
    ['a bottom-posted reply (starts with the quote)', '> What is the status?\n\nIt is fixed now.'],
    ['a message that is only our quoted notification', `${REPLY_DELIMITER}\n\nHello Bob`],
    ['a forward with nothing above the From/Sent block', 'From: Someone <a@b.example>\nSent: Monday\nSubject: fwd\n\nbody'],
  ])('falls back to the whole text for %s, never an empty comment', (_name, body) => {
    expect(extractReplyText(body)).toBe(body.trim());
  });

  it('keeps a sentence that merely mentions "wrote" or "from:"', () => {
    const body = 'The tool wrote: nothing at all.\nFrom: the logs I see errors.\nThanks';
    expect(extractReplyText(body)).toBe(body);
  });

  it('returns empty for an empty body', () => {
    expect(extractReplyText('')).toBe('');
    expect(extractReplyText('  \n ')).toBe('');
  });
});
