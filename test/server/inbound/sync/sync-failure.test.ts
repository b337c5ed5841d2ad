import { ServerError } from '@azure/msal-node';
import { GraphRequestError, graphErrorKind } from '../../../../server/graph/errors';
import { MailboxAuthError } from '../../../../server/identity/mailbox-tokens';
import { classifySyncFailure } from '../../../../server/inbound/sync/sync-failure';

// What a failed sync does to the mailbox: only a lost grant parks it; everything else leaves it active and
// degraded, with the failure's class and code, until a sync succeeds.

const graph = (status: number, code: string) => new GraphRequestError(graphErrorKind(status, code), code, status, code);

describe('a failed sync', () => {
  it.each([
    ['a revoked grant', new MailboxAuthError('needs_reauth', 'revoked', 'AADSTS50173'), 'grant_lost', 'AADSTS50173', true],
    ['a revoked grant answered for a Graph request', graph(401, 'needs_reauth'), 'grant_lost', 'needs_reauth', true],
    ['Entra out of service', graph(401, 'identity_unavailable'), 'transient', 'identity_unavailable', false],
    ['Entra out of service, straight from the token store', new MailboxAuthError('identity_unavailable', 'Entra is out', 'AADSTS90033', { kind: 'transient', code: 'temporarily_unavailable', status: 503, message: 'x', source: 'identity', aadsts: 'AADSTS90033' }), 'transient', 'AADSTS90033', false],
    ['Graph throttling', graph(429, 'ApplicationThrottled'), 'throttled', 'ApplicationThrottled', false],
    ['Graph refusing a fresh token', graph(401, 'InvalidAuthenticationToken'), 'permission_missing', 'InvalidAuthenticationToken', false],
    ['a mailbox Graph cannot serve', graph(404, 'MailboxNotEnabledForRESTAPI'), 'not_found', 'MailboxNotEnabledForRESTAPI', false],
    ['a mailbox unlinked meanwhile', graph(401, 'mailbox_not_linked'), 'not_found', 'mailbox_not_linked', false],
    ['the database', new Error('SQLITE_BUSY'), 'transient', 'internal_error', false],
  ] as const)('%s: %s, code %s, needs re-authorization: %p', (_name, error, failureClass, code, needsReauth) => {
    expect(classifySyncFailure(error)).toMatchObject({ failureClass, code, needsReauth });
  });

  it('never parks a mailbox for an msal-node error other than a refused grant', () => {
    const outage = new ServerError('temporarily_unavailable', 'c', 'AADSTS90033: A transient error has occurred.', undefined, '90033', 503);
    expect(classifySyncFailure(outage)).toMatchObject({ failureClass: 'transient', needsReauth: false });
  });
});

describe('a failed sync of a mailbox linked in application mode', () => {
  const shared = { address: 'support@contoso.test', auth_mode: 'application' as const };

  it("parks it when Exchange refuses the app the mailbox (out of the app's scope, or the permission removed)", () => {
    const failure = classifySyncFailure(graph(403, 'ErrorAccessDenied'), shared);
    expect(failure).toMatchObject({ failureClass: 'permission_missing', code: 'ErrorAccessDenied', needsReauth: true });
    expect(failure.message).toMatch(/can no longer reach support@contoso\.test \(ErrorAccessDenied\)/);
  });

  it.each([
    ['the same refusal for a delegated mailbox (degraded, retried)', graph(403, 'ErrorAccessDenied'), { ...shared, auth_mode: 'delegated' as const }],
    ['another 403', graph(403, 'Authorization_RequestDenied'), shared],
    ['throttling', graph(429, 'ApplicationThrottled'), shared],
    ['Entra refusing the app itself (its certificate): every mailbox of the app, not this one', new MailboxAuthError('identity_refused', 'cert', 'AADSTS700027'), shared],
  ] as const)('does not park it for %s', (_name, error, mailbox) => {
    expect(classifySyncFailure(error, mailbox).needsReauth).toBe(false);
  });
});
