import { clientStateMatches, hashClientState, newClientState } from '../../../../server/inbound/push/client-state';

describe('clientState', () => {
  it('is 32 random bytes in base64url: fits Graph 128-character limit, differs each time', () => {
    const a = newClientState();
    const b = newClientState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('matches only the secret whose hash is stored', () => {
    const secret = newClientState();
    const stored = hashClientState(secret);
    expect(stored).not.toContain(secret);
    expect(clientStateMatches(secret, stored)).toBe(true);
    expect(clientStateMatches(`${secret}x`, stored)).toBe(false);
    expect(clientStateMatches(newClientState(), stored)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['null (a subscription made without one)', null],
    ['empty', ''],
  ])('refuses a %s clientState', (_name, given) => {
    expect(clientStateMatches(given, hashClientState(newClientState()))).toBe(false);
  });

  it('refuses rather than throws when the stored hash is corrupt (timingSafeEqual throws on unequal lengths)', () => {
    const secret = newClientState();
    expect(clientStateMatches(secret, 'abcd')).toBe(false);
    expect(clientStateMatches(secret, '')).toBe(false);
  });
});
