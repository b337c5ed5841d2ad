import type { FilterContext } from '../../../../server/inbound/filters/context';
import { threading } from '../../../../server/inbound/filters/threading';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { IDS, rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const plainWith = (...headers: string[]) => variant('plain-customer.eml', { add: headers });

describe('threading', () => {
  it.each<[string, Buffer, FilterContext['thread']]>([
    ['an Outlook reply to our notification (In-Reply-To)', rawFixture('outlook-reply.eml'), { ticketId: 1, matchedBy: 'in_reply_to' }],
    ['a Gmail reply (In-Reply-To)', rawFixture('gmail-reply.eml'), { ticketId: 1, matchedBy: 'in_reply_to' }],
    [
      'In-Reply-To unknown, References naming our mail',
      variant('outlook-reply.eml', { remove: ['In-Reply-To'], add: ['In-Reply-To: <lost@elsewhere.example>'] }),
      { ticketId: 1, matchedBy: 'references' },
    ],
    [
      'the newest reference wins when two name different tickets',
      plainWith(`References: ${IDS.notificationTicket1} ${IDS.notificationTicket2}`),
      { ticketId: 2, matchedBy: 'references' },
    ],
    [
      'In-Reply-To naming a customer message we recorded on a ticket',
      plainWith(`In-Reply-To: ${IDS.customerOriginal}`),
      { ticketId: 1, matchedBy: 'in_reply_to' },
    ],
    ['headers lost, reference in the subject', rawFixture('reply-with-delimiter.eml'), { ticketId: 1, matchedBy: 'subject_reference' }],
    [
      'headers lost, subject rewritten, reference in the quoted body',
      variant('reply-with-delimiter.eml', { replace: [['Subject: Re: [RD:1-K4QX9] Printer', 'Subject: Re: Printer']] }),
      { ticketId: 1, matchedBy: 'body_reference' },
    ],
    [
      'a reference to a closed ticket still matches (ingest makes the follow-up)',
      variant('plain-customer.eml', { replace: [['Subject: Printer', 'Subject: Re: [rd:2-m7rt3] Printer']] }),
      { ticketId: 2, matchedBy: 'subject_reference' },
    ],
    ['a guessed reference: right number, wrong tag', variant('plain-customer.eml', { replace: [['Subject: Printer', 'Subject: [RD:1-AAAAA] Printer']] }), null],
    ['a reference to a ticket that does not exist', variant('plain-customer.eml', { replace: [['Subject: Printer', 'Subject: [RD:ZZ-K4QX9] Printer']] }), null],
    ['In-Reply-To naming a message that made no ticket (suppressed)', plainWith(`In-Reply-To: ${IDS.suppressedInbound}`), null],
    ['a new customer email', rawFixture('plain-customer.eml'), null],
  ])('%s', async (_name, raw, expected) => {
    const ctx = seeded.context(await inboundMailFromMime(raw));
    await threading.run(ctx, await seeded.env());
    expect(ctx.thread).toEqual(expected);
  });
});
