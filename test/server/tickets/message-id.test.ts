import { messageIdsIn, normalizeMessageId } from '../../../server/tickets/message-id';

// Issue 11, item 9: the task pane looks a ticket up by the internetMessageId Outlook reports, so ingest and
// the lookup must agree on one spelling of every Message-ID, however the sender wrote it.

describe('normalizeMessageId', () => {
  it.each([
    ['bracketed, as RFC 5322 has it', '<CAF=abc.123@mail.gmail.com>', '<CAF=abc.123@mail.gmail.com>'],
    ['with surrounding white space', '  <a@b.example>\r\n', '<a@b.example>'],
    ['unbracketed (a sloppy client)', 'a1b2c3@mx.example', '<a1b2c3@mx.example>'],
    ['unbracketed with a comment', 'a1b2c3@mx.example (sent by Foo)', '<a1b2c3@mx.example>'],
    ['obsolete syntax: spaces around the parts', '< a1b2 . c3 @ mx . example >', '<a1b2.c3@mx.example>'],
    ['obsolete syntax: comments before and after', '(old mailer) <a1b2@mx.example> (queued (twice))', '<a1b2@mx.example>'],
    ['folded across lines', '<very-long-id-part-one\r\n part-two@mx.example>', '<very-long-id-part-onepart-two@mx.example>'],
    ['a stray < before the id', '< <real@mx.example>', '<real@mx.example>'],
  ])('%s', (_, input, expected) => {
    expect(normalizeMessageId(input)).toBe(expected);
  });

  it.each([['empty', ''], ['white space', '   '], ['no at sign, no brackets', 'not-an-id'], ['two at signs', 'a@b@c'], ['empty brackets', '<>'], ['only a comment', '(nothing here)']])(
    'holds no id: %s',
    (_, input) => {
      expect(normalizeMessageId(input)).toBeNull();
    },
  );

  it('is idempotent: the canonical form is its own canonical form', () => {
    for (const input of ['a@b', '< a @ b >', '(c) <x.y@z> (d)']) {
      const once = normalizeMessageId(input)!;
      expect(normalizeMessageId(once)).toBe(once);
    }
  });
});

describe('messageIdsIn', () => {
  it('reads a References list in order, de-duplicated, each canonical', () => {
    expect(messageIdsIn('<a@x> <b@x>\r\n\t<a@x> (resent) < c @ x >')).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });

  it('stops at the cap a header may cost', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `<id${i}@x>`).join(' ');
    expect(messageIdsIn(many)).toHaveLength(500);
  });
});
