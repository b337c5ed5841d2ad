import type { FilterContext } from '../../../../server/inbound/filters/context';
import { bounce } from '../../../../server/inbound/filters/bounce';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { IDS, rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const UNKNOWN_ID = '<never-sent-by-us@relaydesk.acme.test>';

describe('bounce', () => {
  it.each<[string, Buffer, Pick<FilterContext, 'bounce' | 'suppressed'>]>([
    [
      'a DSN for our notification on ticket 1: the failed recipient only, not the delivered one',
      rawFixture('dsn-bounce.eml'),
      {
        bounce: {
          ticketId: 1,
          failedRecipients: ['dana.fischer@customer.example'],
          diagnostic: '550 5.1.1 <dana.fischer@customer.example>: Recipient address rejected: User unknown in virtual mailbox table',
        },
        suppressed: null,
      },
    ],
    [
      'a DSN about mail we never recorded',
      variant('dsn-bounce.eml', { replace: [[IDS.notificationTicket1, UNKNOWN_ID]] }),
      { bounce: null, suppressed: { reason: 'bounce_unmatched', detail: UNKNOWN_ID } },
    ],
    [
      'a DSN whose returned headers are unknown but whose In-Reply-To names our mail (Exchange style)',
      variant('dsn-bounce.eml', { replace: [[IDS.notificationTicket1, UNKNOWN_ID]], add: [`In-Reply-To: ${IDS.notificationTicket2}`] }),
      { bounce: { ticketId: 2, failedRecipients: ['dana.fischer@customer.example'], diagnostic: expect.stringMatching(/^550 5\.1\.1 /) as unknown as string }, suppressed: null },
    ],
    [
      'a DSN without a diagnostic: the status stands in',
      variant('dsn-bounce.eml', { replace: [['Diagnostic-Code: smtp; 550 5.1.1 <dana.fischer@customer.example>: Recipient\n    address rejected: User unknown in virtual mailbox table\n', '']] }),
      { bounce: { ticketId: 1, failedRecipients: ['dana.fischer@customer.example'], diagnostic: '5.1.1' }, suppressed: null },
    ],
    [
      'a "still trying" delay report: machine mail, nothing failed',
      rawFixture('dsn-delayed.eml'),
      { bounce: null, suppressed: { reason: 'auto_response', detail: 'delivery-status=delayed' } },
    ],
    [
      'a qmail-style notice quoting our Message-ID on ticket 2',
      rawFixture('mailer-daemon-plain-notice.eml'),
      { bounce: { ticketId: 2, failedRecipients: ['kim.old@oldhost.example'], diagnostic: 'Sorry, no mailbox here by that name. (#5.1.1)' }, suppressed: null },
    ],
    [
      'a qmail-style notice about mail we cannot place: left to auto-response',
      variant('mailer-daemon-plain-notice.eml', { replace: [[IDS.notificationTicket2, UNKNOWN_ID]] }),
      { bounce: null, suppressed: null },
    ],
    [
      'a customer quoting a Message-ID line is not a notice (not from mailer-daemon)',
      variant('mailer-daemon-plain-notice.eml', { remove: ['From'], add: ['From: kim.old@oldhost.example'] }),
      { bounce: null, suppressed: null },
    ],
    ['a customer email', rawFixture('plain-customer.eml'), { bounce: null, suppressed: null }],
  ])('%s', async (_name, raw, expected) => {
    const ctx = seeded.context(await inboundMailFromMime(raw));
    await bounce.run(ctx, await seeded.env());
    expect({ bounce: ctx.bounce, suppressed: ctx.suppressed }).toEqual(expected);
  });
});
