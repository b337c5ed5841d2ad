import { MAX_RECIPIENTS_EXAMINED, participants } from '../../../../server/inbound/filters/participants';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import { MAX_CCS } from '../../../../server/tickets/participants';
import { rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

async function run(raw: Buffer) {
  const ctx = seeded.context(await inboundMailFromMime(raw));
  await participants.run(ctx, await seeded.env());
  return ctx;
}

describe('participants: requester', () => {
  it.each<[string, Buffer, string]>([
    ['From, lower-cased', rawFixture('plain-customer.eml'), 'bob.meyer@customer.example'],
    ['a single Reply-To in the same domain as From', rawFixture('reply-to-same-domain.eml'), 'frank.osei@customer.example'],
    ['From when Reply-To is in another domain', rawFixture('reply-to-foreign-domain.eml'), 'gina.park@customer.example'],
    [
      'From when Reply-To lists two addresses',
      variant('reply-to-same-domain.eml', { remove: ['Reply-To'], add: ['Reply-To: frank.osei@customer.example, team@customer.example'] }),
      'it-notify@customer.example',
    ],
    [
      'From when Reply-To is a linked mailbox',
      variant('plain-customer.eml', { remove: ['From'], add: ['From: facilities@acme.test', 'Reply-To: support@acme.test'] }),
      'facilities@acme.test',
    ],
  ])('is %s', async (_name, raw, requester) => {
    const ctx = await run(raw);
    expect(ctx.requester?.address).toBe(requester);
    expect(ctx.suppressed).toBeNull();
  });

  it('keeps the display name of the address it chose', async () => {
    expect((await run(rawFixture('reply-to-same-domain.eml'))).requester).toEqual({ address: 'frank.osei@customer.example', name: 'Frank Osei' });
  });

  it('suppresses mail without a From as no_sender', async () => {
    const ctx = await run(variant('plain-customer.eml', { remove: ['From'] }));
    expect(ctx.suppressed).toEqual({ reason: 'no_sender', detail: 'no_from_address' });
    expect(ctx.requester).toBeNull();
  });
});

describe('participants: CCs and followers', () => {
  it('drops linked mailboxes, the requester and duplicates, makes agents followers, and caps CCs', async () => {
    const ctx = await run(rawFixture('many-cc.eml'));
    const ccs = ctx.ccs.map((c) => c.address);
    expect(ccs).toHaveLength(MAX_CCS);
    expect(ccs[0]).toBe('ivy.chen@customer.example'); // To comes before Cc
    expect(ccs.slice(1, 4)).toEqual(['person01@customer.example', 'person02@customer.example', 'person03@customer.example']);
    expect(ccs.at(-1)).toBe('person47@customer.example');
    expect(new Set(ccs).size).toBe(ccs.length);
    expect(ccs).not.toEqual(expect.arrayContaining(['support@acme.test']));
    expect(ccs.filter((a) => a.endsWith('@acme.test') || a === 'henry.grant@customer.example')).toEqual([]);
    expect(ctx.followers).toEqual([seeded.agentId]);
    expect(ctx.droppedCcs).toEqual(['person48@customer.example', 'person49@customer.example', 'person50@customer.example', 'person51@customer.example', 'person52@customer.example']);
  });

  it('makes an admin on Cc a follower too, and an ordinary Cc a CC', async () => {
    const ctx = await run(variant('plain-customer.eml', { add: ['Cc: Root <root.admin@acme.test>, Dana Fischer <Dana.Fischer@customer.example>'] }));
    expect(ctx.followers).toEqual([seeded.adminId]);
    expect(ctx.ccs).toEqual([{ address: 'dana.fischer@customer.example', name: 'Dana Fischer' }]);
    expect(ctx.droppedCcs).toEqual([]);
  });

  it(`looks up at most ${MAX_RECIPIENTS_EXAMINED} recipients and lists the rest as dropped`, async () => {
    const many = Array.from({ length: MAX_RECIPIENTS_EXAMINED + 5 }, (_, i) => `r${i}@list.example`);
    const ctx = await run(variant('plain-customer.eml', { add: [`Cc: ${many.join(',\n ')}`] }));
    expect(ctx.ccs).toHaveLength(MAX_CCS);
    expect(ctx.droppedCcs).toHaveLength(MAX_RECIPIENTS_EXAMINED + 5 - MAX_CCS);
    expect(ctx.droppedCcs.at(-1)).toBe(`r${MAX_RECIPIENTS_EXAMINED + 4}@list.example`);
  });
});
