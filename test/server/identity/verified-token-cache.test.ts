import { TokenError, TokenVerifier } from '../../../server/identity/token-verifier';
import { VerifiedTokenCache } from '../../../server/identity/verified-token-cache';
import type { Principal } from '../../../server/identity/principal';
import { AGENT, startTestIdentityProvider, type TestIdentityProvider } from '../../support/identity-provider';

const principal = (oid: string): Principal => ({ oid, tid: 't', email: `${oid}@contoso.test`, name: null, role: 'agent' });

describe('VerifiedTokenCache', () => {
  let clock = 1_000_000;
  const now = () => clock;

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('keeps a caller until the token expires, and not a moment longer', () => {
    const cache = new VerifiedTokenCache({ now });
    cache.set('token-a', principal('a'), (clock + 30_000) / 1000);
    clock += 29_999;
    expect(cache.get('token-a')?.oid).toBe('a');
    clock += 1;
    expect(cache.get('token-a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('trusts a long-lived token for maxAgeMs at most, then asks for a new check', () => {
    const cache = new VerifiedTokenCache({ now, maxAgeMs: 60_000 });
    cache.set('token-a', principal('a'), (clock + 3_600_000) / 1000);
    clock += 59_999;
    expect(cache.get('token-a')).toBeDefined();
    clock += 1;
    expect(cache.get('token-a')).toBeUndefined();
  });

  it('does not keep a token that is already past its expiry (accepted only within the clock tolerance)', () => {
    const cache = new VerifiedTokenCache({ now });
    cache.set('late', principal('late'), (clock - 1000) / 1000);
    expect(cache.size).toBe(0);
    expect(cache.get('late')).toBeUndefined();
  });

  it('answers only for the exact token: another token of the same caller is a miss', () => {
    const cache = new VerifiedTokenCache({ now });
    cache.set('token-a', principal('a'), (clock + 60_000) / 1000);
    expect(cache.get('token-a ')).toBeUndefined();
    expect(cache.get('token-A')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new VerifiedTokenCache({ now, maxEntries: 2 });
    const exp = (clock + 60_000) / 1000;
    cache.set('one', principal('1'), exp);
    cache.set('two', principal('2'), exp);
    cache.set('three', principal('3'), exp);
    expect(cache.size).toBe(2);
    expect(cache.get('one')).toBeUndefined();
    expect(cache.get('two')?.oid).toBe('2');
    expect(cache.get('three')?.oid).toBe('3');
  });

  it('hands out a frozen caller, so no request can change what the next one sees', () => {
    const cache = new VerifiedTokenCache({ now });
    const kept = cache.set('token-a', principal('a'), (clock + 60_000) / 1000);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(cache.get('token-a')).toBe(kept);
  });
});

describe('TokenVerifier with its cache', () => {
  let idp: TestIdentityProvider;
  const verifierWith = (cache: VerifiedTokenCache) => new TokenVerifier({ authority: idp.authority, audience: idp.audience, tenantIds: [], apiScope: idp.apiScope, cache });

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });

  afterAll(async () => {
    await idp?.close();
  });

  it('verifies a token once and answers the same caller from the cache afterwards', async () => {
    const cache = new VerifiedTokenCache();
    const verifier = verifierWith(cache);
    const token = await idp.token(AGENT);
    const first = await verifier.verify(token);
    expect(first.email).toBe('agent@contoso.test');
    expect(cache.size).toBe(1);
    expect(await verifier.verify(token)).toBe(first);
  });

  it('keeps nothing for a refused token, so it is refused again on every request', async () => {
    const cache = new VerifiedTokenCache();
    const verifier = verifierWith(cache);
    const foreign = await idp.token(AGENT, { signWithForeignKey: true });
    for (let i = 0; i < 2; i++) await expect(verifier.verify(foreign)).rejects.toMatchObject({ code: 'invalid_token' } satisfies Partial<TokenError>);
    expect(cache.size).toBe(0);
  });

  it('checks a token past its expiry again (within the clock tolerance it is still accepted, but not cached)', async () => {
    const cache = new VerifiedTokenCache();
    const verifier = verifierWith(cache);
    const late = await idp.token(AGENT, { expiresInSeconds: -10 });
    expect((await verifier.verify(late)).email).toBe('agent@contoso.test');
    expect(cache.size).toBe(0);
  });

  it('stops answering from the cache once the token expires: the full check then refuses it', async () => {
    let clock = Date.now();
    const cache = new VerifiedTokenCache({ now: () => clock });
    const verifier = verifierWith(cache);
    // Expired 70 s ago by the verifier's own clock (beyond its 60 s tolerance), but fresh by the cache's clock.
    const stale = await idp.token(AGENT, { expiresInSeconds: -70 });
    cache.set(stale, await verifier.verify(await idp.token(AGENT)), clock / 1000 + 60);
    expect((await verifier.verify(stale)).email).toBe('agent@contoso.test');
    clock += 61_000;
    await expect(verifier.verify(stale)).rejects.toMatchObject({ code: 'token_expired' });
  });
});
