import { echoedName, echoedSubject, looksLikeLink, MAX_ECHOED_SUBJECT_CHARS } from '../../../server/outbound/echoed-text';
import { renderEmail, type TemplateInput } from '../../../server/outbound/templates';

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
