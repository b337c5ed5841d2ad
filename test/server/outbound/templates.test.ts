import { echoedName, echoedSubject, looksLikeLink, MAX_ECHOED_SUBJECT_CHARS } from '../../../server/outbound/echoed-text';
import { renderEmail, type TemplateInput } from '../../../server/outbound/templates';
import { REPLY_DELIMITERS } from '../../../server/tickets/reply-delimiter';

const ack = (over: Partial<TemplateInput>): TemplateInput => ({
  kind: 'ticket_received',
  ticketSubject: 'Printer broken',
  referenceToken: '[RD:1-K4QX9]',
  requesterName: 'Bob Meyer',
  requesterAddress: 'bob@customer.example',
  authorName: null,
  commentText: null,
  ...over,
});

describe('the acknowledgement echoes little of a stranger’s text', () => {
  it('cuts a long subject to 120 characters with an ellipsis, and leaves a short one alone', () => {
    const long = `Cheap watches at ${'x'.repeat(300)}`;
    const { subject } = renderEmail(ack({ ticketSubject: long }));
    const echoed = subject.replace(/^Re: /, '').replace(/ \[RD:1-K4QX9\]$/, '');
    expect([...echoed]).toHaveLength(MAX_ECHOED_SUBJECT_CHARS);
    expect(echoed.endsWith('…')).toBe(true);
    expect(renderEmail(ack({})).subject).toBe('Re: Printer broken [RD:1-K4QX9]');
  });

  it('never splits a surrogate pair when cutting', () => {
    expect(echoedSubject('😀'.repeat(200))).toBe(`${'😀'.repeat(MAX_ECHOED_SUBJECT_CHARS - 1)}…`);
  });

  it('keeps an agent reply’s subject whole (an agent wrote to the person on purpose)', () => {
    const long = 'y'.repeat(300);
    expect(renderEmail(ack({ kind: 'public_reply', ticketSubject: long, commentText: 'Hi' })).subject).toContain(long);
  });

  it.each([
    ['a plain name', 'Bob Meyer', 'bob@customer.example', 'Bob Meyer'],
    ['a domain', 'www.evil.example', 'bob@customer.example', 'bob'],
    ['a URL', 'http://x', 'bob@customer.example', 'bob'],
    ['a brand domain with words', 'paypal.com support', 'bob@customer.example', 'bob'],
    ['an address', 'support@paypal.com', 'bob@customer.example', 'bob'],
    ['an ideographic dot', 'paypal。com', 'bob@customer.example', 'bob'],
    ['a domain whose local part is a domain too', 'evil.example', 'paypal.com@evil.example', null],
    ['no name at all', null, 'dana@customer.example', 'dana'],
    ['a name that is a message', 'Call now '.repeat(20), 'bob@customer.example', 'bob'],
  ])('greets %s safely', (_name, name, address, expected) => {
    expect(echoedName(name, address)).toBe(expected);
    expect(renderEmail(ack({ requesterName: name, requesterAddress: address })).text).toContain(expected ? `Hello ${expected},` : 'Hello,');
  });

  it('does not take initials or a sentence end for a domain', () => {
    expect(looksLikeLink('J. Smith')).toBe(false);
    expect(looksLikeLink('Smith, J.')).toBe(false);
  });
});

describe('the mailbox language', () => {
  it('writes an Italian mailbox’s acknowledgement in Italian: greeting, body, reference and reply delimiter', () => {
    const { subject, text, html } = renderEmail(ack({ language: 'it-IT' }));
    expect(subject).toBe('Re: Printer broken [RD:1-K4QX9]');
    expect(text.split('\n')[0]).toBe(REPLY_DELIMITERS['it-IT']);
    expect(text).toContain('Gentile Bob Meyer,');
    expect(text).toContain('Abbiamo ricevuto la Sua richiesta');
    expect(text).toContain('Il riferimento della Sua richiesta è [RD:1-K4QX9]');
    expect(text).toContain('Riferimento: [RD:1-K4QX9]');
    expect(text).not.toMatch(/Hello|Thank you|Reference:/);
    expect(html).toContain('<html lang="it-IT">');
  });

  it('greets without a name in Italian when the name is not safe to echo', () => {
    expect(renderEmail(ack({ language: 'it-IT', requesterName: 'paypal.com', requesterAddress: null })).text).toContain('Buongiorno,');
  });

  it('tells followers of an internal note in Italian, and keeps English the default', () => {
    const note = ack({ kind: 'internal_note', authorName: 'Alex', commentText: 'Chiamare il cliente' });
    expect(renderEmail({ ...note, language: 'it-IT' }).text).toContain('Alex ha aggiunto una nota interna (non visibile al cliente):');
    expect(renderEmail({ ...note, language: 'it-IT', authorName: null }).text).toContain('Un operatore ha aggiunto una nota interna');
    expect(renderEmail(note).text).toContain('Alex added an internal note (not visible to the customer):');
    expect(renderEmail(ack({})).text.split('\n')[0]).toBe(REPLY_DELIMITERS['en-US']);
  });
});
