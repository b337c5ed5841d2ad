import fc from 'fast-check';
import {
  decodeTicketNumber,
  encodeTicketNumber,
  findReference,
  newReferenceTag,
  parseReference,
  referenceToken,
  ticketReference,
} from '../../../server/tickets/reference';

describe('ticket reference', () => {
  it('round-trips every ticket number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => decodeTicketNumber(encodeTicketNumber(n)) === n),
    );
  });

  it('is found again in a subject or body, whatever surrounds it and in any case', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.string(), fc.string(), (id, before, after) => {
        const reference = ticketReference(id, newReferenceTag());
        const found = findReference(`${before.replace(/\[/g, '')} ${referenceToken(reference).toLowerCase()} ${after}`);
        expect(found).toBe(reference);
        expect(parseReference(found!)?.ticketId).toBe(id);
      }),
    );
  });

  it.each([
    ['no token at all', 'Re: my printer'],
    ['a bare ticket number without its tag', 'Re: [RD:1A]'],
    ['a tag of the wrong length', 'Re: [RD:1A-7QX2]'],
    ['letters outside the alphabet', 'Re: [RD:1A-UUUUU]'],
  ])('ignores %s', (_label, text) => {
    expect(findReference(text)).toBeUndefined();
  });

  it('refuses numbers that are not ticket numbers', () => {
    expect(() => encodeTicketNumber(0)).toThrow(RangeError);
    expect(() => encodeTicketNumber(1.5)).toThrow(RangeError);
    expect(parseReference('nonsense')).toBeUndefined();
  });
});
