import type { FilterContext } from '../../../../server/inbound/filters/context';
import { ownNotification } from '../../../../server/inbound/filters/own-notification';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

describe('own-notification', () => {
  it.each<[string, Buffer, Partial<FilterContext> | null, FilterContext['suppressed']]>([
    ['our notification coming back (our Message-ID domain)', rawFixture('own-notification.eml'), null, { reason: 'own_notification', detail: 'message_id_domain' }],
    [
      'trusted X-Relaydesk headers on a re-sent copy with a new Message-ID',
      rawFixture('plain-customer.eml'),
      { relaydesk: { fromAccountId: '1', emailId: '1' } },
      { reason: 'own_notification', detail: 'relaydesk_headers' },
    ],
    [
      'mail from a linked mailbox',
      variant('plain-customer.eml', { remove: ['From'], add: ['From: Acme Sales <Sales@acme.test>'] }),
      null,
      { reason: 'mail_loop', detail: 'from_linked_mailbox' },
    ],
    [
      'mail sent by a linked mailbox on behalf of someone',
      variant('plain-customer.eml', { add: ['Sender: support@acme.test'] }),
      null,
      { reason: 'mail_loop', detail: 'sender_linked_mailbox' },
    ],
    ['mail from a mailbox that was unlinked', variant('plain-customer.eml', { remove: ['From'], add: ['From: old-helpdesk@acme.test'] }), null, null],
    ['spoofed X-Relaydesk headers (ignored by trusted-headers)', rawFixture('spoofed-relaydesk-header.eml'), null, null],
    ['a customer email', rawFixture('plain-customer.eml'), null, null],
  ])('%s', async (_name, raw, earlier, expected) => {
    const ctx = Object.assign(seeded.context(await inboundMailFromMime(raw)), earlier ?? {});
    await ownNotification.run(ctx, await seeded.env());
    expect(ctx.suppressed).toEqual(expected);
  });
});
