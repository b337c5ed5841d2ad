import { autoResponse } from '../../../../server/inbound/filters/auto-response';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

const plainWith = (...headers: string[]) => variant('plain-customer.eml', { add: headers });
const plainFrom = (from: string) => variant('plain-customer.eml', { remove: ['From'], add: [`From: ${from}`] });

describe('auto-response', () => {
  it.each<[string, Buffer, string | null]>([
    ['an out-of-office (Auto-Submitted: auto-replied)', rawFixture('out-of-office.eml'), 'auto-submitted=auto-replied'],
    ['an Exchange auto-reply (X-Auto-Response-Suppress)', rawFixture('exchange-auto-reply.eml'), 'x-auto-response-suppress=all'],
    [
      'an Exchange inbox-rule reply (X-MS-Exchange-Inbox-Rules-Loop)',
      variant('exchange-auto-reply.eml', { remove: ['X-Auto-Response-Suppress'] }),
      'x-ms-exchange-inbox-rules-loop=erik.lund@customer.example',
    ],
    ['a newsletter (Precedence: bulk, List-Unsubscribe)', rawFixture('newsletter.eml'), 'precedence=bulk'],
    ['a newsletter without Precedence (List-Unsubscribe)', variant('newsletter.eml', { remove: ['Precedence'] }), 'list-unsubscribe=<https://printerworld.example/unsub?u=8812>'],
    ['a list message with only List-Id', variant('newsletter.eml', { remove: ['Precedence', 'List-Unsubscribe'] }), 'list-id=printer'],
    ['Auto-Submitted: auto-generated', plainWith('Auto-Submitted: auto-generated'), 'auto-submitted=auto-generated'],
    ['Auto-Submitted with a parameter', plainWith('Auto-Submitted: auto-notified; owner-email="x@y.example"'), 'auto-submitted=auto-notified'],
    ['Auto-Submitted: no (a person)', plainWith('Auto-Submitted: no'), null],
    ['Precedence: junk', plainWith('Precedence: junk'), 'precedence=junk'],
    ['Precedence: list', plainWith('Precedence: list'), 'precedence=list'],
    ['Precedence: auto_reply', plainWith('Precedence: auto_reply'), 'precedence=auto_reply'],
    ['Precedence: first-class (a person)', plainWith('Precedence: first-class'), null],
    ['X-Autoreply', plainWith('X-Autoreply: yes'), 'x-autoreply=yes'],
    ['X-Autorespond', plainWith('X-Autorespond: Out of office'), 'x-autorespond=out'],
    ['X-Loop', plainWith('X-Loop: helpdesk@customer.example'), 'x-loop=helpdesk@customer.example'],
    ['a mailer-daemon@ sender', plainFrom('MAILER-DAEMON@mx.customer.example'), 'sender=mailer-daemon'],
    ['a postmaster@ sender', plainFrom('postmaster@customer.example'), 'sender=postmaster'],
    ['a noreply@ sender', plainFrom('Shop <noreply@shop.example>'), 'sender=noreply'],
    ['a no-reply+tag@ sender', plainFrom('no-reply+orders@shop.example'), 'sender=no-reply'],
    ['a sender whose name only starts like a robot', plainFrom('noreplies-team@shop.example'), null],
    ['a sender with noreply in the domain part', plainFrom('bob@noreply.example'), null],
    ['a customer email', rawFixture('plain-customer.eml'), null],
  ])('%s', async (_name, raw, detail) => {
    const ctx = seeded.context(await inboundMailFromMime(raw));
    await autoResponse.run(ctx, await seeded.env());
    expect(ctx.suppressed).toEqual(detail === null ? null : { reason: 'auto_response', detail });
  });
});
