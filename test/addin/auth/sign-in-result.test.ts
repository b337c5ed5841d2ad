import { parseSignInResult, signInFailed, signInSucceeded } from '../../../addin/auth/sign-in-result';

describe('sign-in result messages', () => {
  it('round-trip a success and a failure', () => {
    expect(parseSignInResult(signInSucceeded('a.b.c', new Date('2030-01-01T00:00:00Z'), { username: 'alex@contoso.test' }))).toEqual({
      type: 'relaydesk.sign-in-result',
      ok: true,
      accessToken: 'a.b.c',
      expiresOn: '2030-01-01T00:00:00.000Z',
      account: { username: 'alex@contoso.test', name: null },
    });
    expect(parseSignInResult(signInFailed('sign_in_cancelled', 'Sign-in was cancelled'))).toEqual({ type: 'relaydesk.sign-in-result', ok: false, code: 'sign_in_cancelled', message: 'Sign-in was cancelled' });
  });

  it.each([
    ['not JSON', 'hello'],
    ['another message type', '{"type":"relaydesk.link-result","ok":true}'],
    ['no token', '{"type":"relaydesk.sign-in-result","ok":true,"accessToken":"","expiresOn":"2030-01-01T00:00:00Z","account":{"username":"a","name":null}}'],
    ['a bad expiry', '{"type":"relaydesk.sign-in-result","ok":true,"accessToken":"t","expiresOn":"soon","account":{"username":"a","name":null}}'],
    ['no account', '{"type":"relaydesk.sign-in-result","ok":true,"accessToken":"t","expiresOn":"2030-01-01T00:00:00Z"}'],
    ['a failure without a code', '{"type":"relaydesk.sign-in-result","ok":false,"message":"x"}'],
  ])('refuse %s', (_what, text) => {
    expect(parseSignInResult(text)).toBeNull();
  });
});
