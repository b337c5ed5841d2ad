import { authenticationResults, methodResults } from '../../../../server/inbound/filters/authentication-results';
import { inboundMailFromMime } from '../../../../server/inbound/mail/mime-to-inbound';
import type { SenderAuthFailure } from '../../../../server/store/schema';
import { rawFixture, seedStore, variant, type Seeded } from '../support';

let seeded: Seeded;
beforeAll(async () => {
  seeded = await seedStore();
});
afterAll(() => seeded.cleanup());

/** A header a sender wrote into their own message: it sits below everything the servers on the way added. */
const LOWER_DMARC_FAIL = 'Authentication-Results: mx.customer.example; dmarc=fail header.from=customer.example\nReturn-Path:';

describe('authentication-results', () => {
  it.each<[string, Buffer, SenderAuthFailure | null]>([
    ['EOP says dmarc=fail', rawFixture('auth-dmarc-fail.eml'), 'dmarc_fail'],
    ['EOP says compauth=fail (dmarc=none)', rawFixture('auth-compauth-fail.eml'), 'compauth_fail'],
    ['EOP says everything passed', rawFixture('auth-pass.eml'), null],
    ['EOP says fail and the sender added a "pass" header lower down: the topmost counts', rawFixture('auth-fake-lower-pass.eml'), 'dmarc_fail'],
    ['EOP says pass and a lower header says fail: only the topmost is ours', variant('auth-pass.eml', { replace: [['Return-Path:', LOWER_DMARC_FAIL]] }), null],
    ['no Authentication-Results at all (mail inside the tenant)', rawFixture('plain-customer.eml'), null],
    ['a fail that only appears inside a comment', variant('auth-pass.eml', { replace: [['(signature was verified)', '(dmarc=fail; compauth=fail)']] }), null],
  ])('%s', async (_name, raw, expected) => {
    const ctx = seeded.context(await inboundMailFromMime(raw));
    await authenticationResults.run(ctx, await seeded.env());
    expect(ctx.senderAuthFailure).toBe(expected);
    // It only flags: a forged From still makes a ticket (a real customer's broken DNS must not lose their mail).
    expect(ctx.suppressed).toBeNull();
  });
});

describe('methodResults', () => {
  it('reads each method once (the first wins), with an authserv-id, comments, odd case and spaces around "="', () => {
    const results = methodResults('mx.example 1; SPF = Pass (a; dmarc=fail) smtp.mailfrom=x; dmarc=FAIL action=none; dmarc=pass; none');
    expect(Object.fromEntries(results)).toEqual({ spf: 'pass', dmarc: 'fail' });
  });
});
