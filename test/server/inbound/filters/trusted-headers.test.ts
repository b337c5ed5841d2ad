import { trustedHeaders } from '../../../../server/inbound/filters/trusted-headers';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { IDS, rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const TRUSTED = { fromAccountId: '1', emailId: '1' };
const IGNORED = { fromAccountId: null, emailId: null };

describe('trusted-headers', () => {
  it.each<[string, Buffer, typeof TRUSTED | typeof IGNORED]>([
    ['our own notification: our Message-ID and the outbox row that sent it', rawFixture('own-notification.eml'), TRUSTED],
    ['headers from outside on a foreign Message-ID (spoofed)', rawFixture('spoofed-relaydesk-header.eml'), IGNORED],
    [
      'our Message-ID domain but an outbox row that does not exist',
      variant('own-notification.eml', { remove: ['X-Relaydesk-Email-Id'], add: ['X-Relaydesk-Email-Id: 2'] }),
      IGNORED,
    ],
    [
      'an existing outbox row but another of our Message-IDs (a guess at our id format)',
      variant('own-notification.eml', { replace: [[IDS.notificationTicket1, '<ticket-1.outbox-9.zzzzz@relaydesk.acme.test>']] }),
      IGNORED,
    ],
    ['a second X-Relaydesk-Email-Id header next to ours', variant('own-notification.eml', { add: ['X-Relaydesk-Email-Id: 1'] }), IGNORED],
    ['a second X-Relaydesk-From-Account-Id header next to ours', variant('own-notification.eml', { add: ['X-Relaydesk-From-Account-Id: 7'] }), IGNORED],
    [
      'an Email-Id that is not a row id',
      variant('own-notification.eml', { remove: ['X-Relaydesk-Email-Id'], add: ["X-Relaydesk-Email-Id: 1' OR '1'='1"] }),
      IGNORED,
    ],
    [
      'an Email-Id too large for the id column',
      variant('own-notification.eml', { remove: ['X-Relaydesk-Email-Id'], add: ['X-Relaydesk-Email-Id: 99999999999'] }),
      IGNORED,
    ],
    ['no X-Relaydesk headers at all', rawFixture('plain-customer.eml'), IGNORED],
  ])('%s', async (_name, raw, expected) => {
    const ctx = seeded.context(await inboundMailFromMime(raw));
    await trustedHeaders.run(ctx, await seeded.env());
    expect(ctx.relaydesk).toEqual(expected);
    expect(ctx.suppressed).toBeNull();
  });

  it('clears findings that did not come from this filter', async () => {
    const ctx = seeded.context(await inboundMailFromMime(rawFixture('spoofed-relaydesk-header.eml')));
    ctx.relaydesk = { fromAccountId: '1', emailId: '1' };
    await trustedHeaders.run(ctx, await seeded.env());
    expect(ctx.relaydesk).toEqual(IGNORED);
  });
});
