import { replyText } from '../../../../server/inbound/filters/reply-text';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { rawFixture, seedStore, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

describe('reply-text', () => {
  it.each<[string, string, boolean, string | null]>([
    ['a reply on a ticket: the new text only', 'outlook-reply.eml', true, 'Hi,\n\nthe technician was here, the printer works again. You can close the ticket.\n\nBest regards\nDana'],
    ['a reply with our delimiter on a ticket', 'reply-with-delimiter.eml', true, 'The printer is fine now, but the scanner next to it jams.\n> By the way, this line quotes something on purpose.'],
    ['the same mail when it makes a new ticket: all of it', 'outlook-reply.eml', false, null],
    ['a new ticket from a plain email: all of it', 'plain-customer.eml', false, null],
  ])('%s', async (_name, fixture, threaded, expected) => {
    const mail = await inboundMailFromMime(rawFixture(fixture));
    const ctx = seeded.context(mail);
    if (threaded) ctx.thread = { ticketId: seeded.ticket1, matchedBy: 'in_reply_to' };
    ctx.replyText = 'stale';
    await replyText.run(ctx, await seeded.env());
    expect(ctx.replyText).toBe(expected ?? mail.text);
  });
});
