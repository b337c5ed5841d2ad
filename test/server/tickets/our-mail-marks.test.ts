import { newFilterContext, type FilterEnvironment } from '../../../server/inbound/filters/context';
import { ownNotification } from '../../../server/inbound/filters/own-notification';
import { trustedHeaders } from '../../../server/inbound/filters/trusted-headers';
import { inboundMailFromMime } from '../../../server/inbound/mail/mime-to-inbound';
import { composeMime } from '../../../server/outbound/compose';
import { renderEmail } from '../../../server/outbound/templates';
import { normalizeMessageId } from '../../../server/tickets/message-id';
import { isOurMessageId, mintMessageId, relaydeskHeaders, RELAYDESK_HEADERS } from '../../../server/tickets/our-mail-marks';

const DOMAIN = 'relaydesk.contoso.test';

describe('our mail marks', () => {
  it('mints Message-IDs that are ours, in the canonical form they are recorded under, never twice the same', () => {
    const ids = Array.from({ length: 50 }, () => mintMessageId({ ticketId: 7, outboxId: 42 }, DOMAIN));
    for (const id of ids) {
      expect(id).toMatch(/^<relaydesk\.7\.42\.[0-9a-f]{12}@relaydesk\.contoso\.test>$/);
      expect(isOurMessageId(id, DOMAIN)).toBe(true);
      expect(normalizeMessageId(id)).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each([
    ['our domain', '<relaydesk.7.42.abc@relaydesk.contoso.test>', true],
    ['our domain in other letters', '<relaydesk.7.42.abc@RelayDesk.Contoso.TEST>', true],
    ['our domain without angle brackets', 'relaydesk.7.42.abc@relaydesk.contoso.test', true],
    ['a customer domain', '<20250603.4f2a@mail.customer.example>', false],
    ['a subdomain of ours (someone else may own it)', '<x@evil.relaydesk.contoso.test>', false],
    ['our domain as a suffix of another', '<x@notrelaydesk.contoso.test>', false],
    ['no domain at all', '<relaydesk.7.42.abc>', false],
  ])('takes %s (%s) for ours: %s', (_name, id, expected) => {
    expect(isOurMessageId(id, DOMAIN)).toBe(expected);
  });

  it('recognises nothing when no domain is configured, rather than everything without one', () => {
    expect(isOurMessageId('<x@>', '')).toBe(false);
    expect(isOurMessageId('<x@relaydesk.contoso.test>', '')).toBe(false);
  });

  it('writes each header once, with the values that stop autoresponders and name the mailbox and outbox row', () => {
    expect(relaydeskHeaders({ accountId: 3, emailId: 42 })).toEqual({
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Mailer': 'Relaydesk Mailer',
      'X-Relaydesk-From-Account-Id': '3',
      'X-Relaydesk-Email-Id': '42',
    });
    expect(Object.keys(relaydeskHeaders({ accountId: 3, emailId: 42 }))).toEqual(Object.values(RELAYDESK_HEADERS));
  });

  // The composer and the filters once each kept their own copy of the header names: a rename on one side
  // would have let our own notifications come back as customer mail, and notify again (a loop).
  it('are what the inbound filters recognise on an email the composer wrote', async () => {
    const messageId = mintMessageId({ ticketId: 7, outboxId: 42 }, DOMAIN);
    const mime = await composeMime({
      from: { name: 'Contoso Support', address: 'support@contoso.test' },
      to: ['jordan@fabrikam.test'],
      cc: [],
      messageId,
      inReplyTo: null,
      references: [],
      content: renderEmail({ kind: 'public_reply', ticketSubject: 'Printer', referenceToken: '[RD:7-ABCDE]', requesterName: null, requesterAddress: null, authorName: null, commentText: 'Fixed.' }),
      accountId: 3,
      emailId: 42,
      attachments: [],
    });
    // Only what these two filters read; the outbox knows row 42 as sent with exactly this Message-ID.
    const env = {
      messageIdDomain: DOMAIN,
      linkedAddresses: new Set<string>(),
      outboxEmailExists: async (emailId: string, id: string) => emailId === '42' && id === messageId,
    } as unknown as FilterEnvironment;
    const ctx = newFilterContext(await inboundMailFromMime(mime), { id: 9, address: 'other@contoso.test' });
    await trustedHeaders.run(ctx, env);
    expect(ctx.relaydesk).toEqual({ fromAccountId: '3', emailId: '42' });
    await ownNotification.run(ctx, env);
    expect(ctx.suppressed).toEqual({ reason: 'own_notification', detail: 'message_id_domain' });
  });
});
