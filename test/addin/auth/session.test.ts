import { claimsOf, sessionFrom } from '../../../addin/auth/session';
import { parseLinkResult } from '../../../addin/link/link-result';

const jwt = (payload: object) => `h.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.s`;

describe('sessionFrom', () => {
  it.each([
    [['Relaydesk.Admin'], { isAdmin: true, isAgent: true }],
    [['Relaydesk.Agent'], { isAdmin: false, isAgent: true }],
    [[], { isAdmin: false, isAgent: false }],
  ])('reads roles %j from the access token', (roles, expected) => {
    expect(sessionFrom(jwt({ roles }), { username: 'a@contoso.test', name: 'A' })).toMatchObject({ username: 'a@contoso.test', roles, ...expected });
  });

  it('treats an unreadable token as having no roles (the server decides anyway)', () => {
    expect(claimsOf('opaque')).toEqual({});
    expect(claimsOf('a.%%%.c')).toEqual({});
    expect(sessionFrom('opaque', { username: 'a@contoso.test' })).toMatchObject({ isAdmin: false, isAgent: false, name: null });
  });

  it('decodes UTF-8 claims', () => {
    expect(claimsOf(jwt({ name: 'Zoë Ångström' }))).toEqual({ name: 'Zoë Ångström' });
  });
});

describe('parseLinkResult', () => {
  const result = { type: 'relaydesk.link-result', ok: false, code: 'wrong_account', message: 'Signed in as x' };

  it('accepts the callback page message as a JSON string (messageParent) or an object (postMessage)', () => {
    expect(parseLinkResult(JSON.stringify(result))).toEqual(result);
    expect(parseLinkResult({ ...result, mailbox: { id: 1, address: 'a@b.test', state: 'active' } })?.mailbox).toEqual({ id: 1, address: 'a@b.test', state: 'active' });
  });

  it.each([['not json'], [{ ...result, type: 'other' }], [{ ...result, ok: 'yes' }], [null], [42]])('ignores %j', (data) => {
    expect(parseLinkResult(data)).toBeNull();
  });
});
