import { AuthError, ClientAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { GraphRequestError } from '../../../server/graph/errors';
import { FAILURE_CLASSES, type FailureClass } from '../../../server/graph/failure-classes';
import { classifyFailure, classifyIdentityError, graphErrorKind, TOKEN_FAILURE_CODES, tokenFailureCode } from '../../../server/graph/failure-policy';
import { MailboxAuthError } from '../../../server/identity/mailbox-tokens';

// The one failure policy, fed the shapes Graph and Entra (through msal-node) really produce. A wrong row here
// is a mailbox parked for nothing, an email sent twice, or a throttle ignored.

describe('Graph failures', () => {
  it.each([
    // Throttling and overload: wait, then repeat.
    [429, 'ApplicationThrottled', {}, 'throttled'],
    [429, 'ApplicationThrottled', { mayHaveTakenEffect: true }, 'throttled'],
    [503, 'ServiceUnavailable', {}, 'throttled'],
    [504, 'UnknownError', {}, 'throttled'],
    // Server errors and lost answers on requests that can be repeated.
    [500, 'InternalServerError', {}, 'transient'],
    [502, 'BadGateway', {}, 'transient'],
    [0, 'network', {}, 'transient'],
    [408, 'RequestTimeout', {}, 'transient'],
    // The same on a send: it may have gone out, so it is settled, never simply repeated.
    [500, 'InternalServerError', { mayHaveTakenEffect: true }, 'outcome_unknown'],
    [502, 'BadGateway', { mayHaveTakenEffect: true }, 'outcome_unknown'],
    [503, 'ServiceUnavailable', { mayHaveTakenEffect: true }, 'outcome_unknown'],
    [504, 'UnknownError', { mayHaveTakenEffect: true }, 'outcome_unknown'],
    [0, 'network', { mayHaveTakenEffect: true }, 'outcome_unknown'],
    // Refusals.
    [401, 'InvalidAuthenticationToken', {}, 'permission_missing'],
    [403, 'ErrorAccessDenied', {}, 'permission_missing'],
    [403, 'ErrorSendAsDenied', { mayHaveTakenEffect: true }, 'permission_missing'],
    [403, 'Authorization_RequestDenied', {}, 'permission_missing'],
    [404, 'ErrorItemNotFound', {}, 'not_found'],
    [404, 'MailboxNotEnabledForRESTAPI', {}, 'not_found'],
    [404, 'ErrorInvalidUser', {}, 'not_found'],
    [410, 'SyncStateNotFound', {}, 'not_found'],
    [400, 'ErrorInvalidIdMalformed', {}, 'bad_request'],
    [400, 'InefficientFilter', {}, 'bad_request'],
    [400, 'InvalidInternetMessageHeader', { mayHaveTakenEffect: true }, 'bad_request'],
    [405, 'Request_BadRequest', {}, 'bad_request'],
    [413, 'RequestEntityTooLarge', {}, 'too_large'],
    [400, 'ErrorMessageSizeExceeded', { mayHaveTakenEffect: true }, 'too_large'],
  ] as const)('%p %s %j is %s', (status, code, context, kind) => {
    expect(graphErrorKind(status, code, context)).toBe(kind);
  });

  it('keeps a request that never left for want of a token out of "outcome unknown", whatever its status', () => {
    const failure = classifyFailure(new GraphRequestError(graphErrorKind(401, 'identity_unavailable'), 'identity_unavailable', 401, 'Entra is out'), { mayHaveTakenEffect: true });
    expect(failure).toMatchObject({ kind: 'transient', source: 'identity' });
  });

  it('settles a send whose answer was a gateway error, but not a read', () => {
    const error = new GraphRequestError(graphErrorKind(504, 'UnknownError'), 'UnknownError', 504, 'gateway timeout');
    expect(classifyFailure(error)).toMatchObject({ kind: 'throttled', source: 'graph' });
    expect(classifyFailure(error, { mayHaveTakenEffect: true })).toMatchObject({ kind: 'outcome_unknown', source: 'graph' });
  });
});

describe('identity failures (msal-node errors as Entra causes them)', () => {
  const correlation = 'c0ffee00-0000-0000-0000-000000000000';
  // msal-common builds ServerError(error, correlation_id, description, suberror, error_codes[0], status).
  const server = (error: string, aadsts: number | undefined, status: number, suberror?: string) => new ServerError(error, correlation, `AADSTS${aadsts ?? ''}: ...`, suberror, aadsts as unknown as string, status);
  const interaction = (error: string, aadsts: number, suberror: string) => new InteractionRequiredAuthError(error, correlation, `AADSTS${aadsts}: ...`, suberror, '', '', '', aadsts as unknown as string);

  it.each<[string, unknown, FailureClass, string | undefined]>([
    // Entra refusing the grant: the only failures that need an admin.
    ['revoked (bad_token)', interaction('invalid_grant', 50173, 'bad_token'), 'grant_lost', 'AADSTS50173'],
    ['expired after 90 days unused', interaction('invalid_grant', 700082, 'bad_token'), 'grant_lost', 'AADSTS700082'],
    ['expired', interaction('invalid_grant', 70008, 'bad_token'), 'grant_lost', 'AADSTS70008'],
    ['consent withdrawn', interaction('invalid_grant', 65001, 'consent_required'), 'grant_lost', 'AADSTS65001'],
    ['user deleted', interaction('invalid_grant', 50034, 'bad_token'), 'grant_lost', 'AADSTS50034'],
    ['MFA now required', interaction('interaction_required', 50076, 'basic_action'), 'grant_lost', 'AADSTS50076'],
    ['invalid_grant without a suberror', server('invalid_grant', 9002313, 400), 'grant_lost', 'AADSTS9002313'],
    ['no refresh token in the cache', new InteractionRequiredAuthError('no_tokens_found', correlation), 'grant_lost', undefined],
    ['refresh token past its expiry in the cache', new InteractionRequiredAuthError('refresh_token_expired', correlation), 'grant_lost', undefined],
    // Entra out of service: retry later, the grant is intact.
    ['503 temporarily_unavailable (outage)', server('temporarily_unavailable', 90033, 503), 'transient', 'AADSTS90033'],
    ['400 temporarily_unavailable (RetryableError)', server('temporarily_unavailable', 50033, 400), 'transient', 'AADSTS50033'],
    ['500 server_error', server('server_error', 90041, 500), 'transient', 'AADSTS90041'],
    ['429 throttled', server('temporarily_unavailable', 90055, 429), 'throttled', 'AADSTS90055'],
    // Raised by MSAL itself while an earlier Retry-After runs: its code is the error_codes it cached.
    ['MSAL throttling cache', new ServerError('90033', correlation, 'desc'), 'transient', undefined],
    ['connection reset', new AuthError('network_error', correlation, 'Network request failed: fetch failed'), 'transient', undefined],
    ['a gateway page instead of JSON', new ClientAuthError('token_parsing_error', correlation), 'transient', undefined],
    ['discovery unreachable', new ClientAuthError('endpoints_resolution_error', correlation), 'transient', undefined],
    ['an error code Relaydesk has never seen', server('brand_new_error', 99999, 400), 'transient', 'AADSTS99999'],
    // Entra refusing the app: fixed in the app registration, not by re-consenting one mailbox.
    ['client secret expired', server('invalid_client', 7000222, 401), 'permission_missing', 'AADSTS7000222'],
    ['app not in the tenant', server('unauthorized_client', 700016, 400), 'permission_missing', 'AADSTS700016'],
    ['bad scope', server('invalid_scope', 70011, 400), 'bad_request', 'AADSTS70011'],
  ])('%s is %s', (_name, error, kind, aadsts) => {
    const failure = classifyIdentityError(error);
    expect(failure).toMatchObject({ kind, source: 'identity' });
    expect(failure.aadsts).toBe(aadsts);
    expect(classifyFailure(error)).toMatchObject({ kind, source: 'identity' });
  });

  it('names the reason of a lost grant from its AADSTS number', () => {
    expect(classifyIdentityError(interaction('invalid_grant', 50173, 'bad_token')).message).toMatch(/revoked/);
  });

  it('treats an error that is not MSAL\'s as a transient identity failure', () => {
    expect(classifyIdentityError(new TypeError('fetch failed'))).toMatchObject({ kind: 'transient', source: 'identity' });
  });
});

describe('token failure codes', () => {
  it.each(FAILURE_CLASSES)('a token failure of class %s reads back as one a caller acts on the same way', (kind) => {
    const back = graphErrorKind(401, tokenFailureCode(kind));
    const expected: Record<FailureClass, FailureClass> = {
      grant_lost: 'grant_lost',
      not_found: 'not_found',
      throttled: 'transient',
      transient: 'transient',
      outcome_unknown: 'transient',
      permission_missing: 'permission_missing',
      bad_request: 'permission_missing',
      too_large: 'permission_missing',
    };
    expect(back).toBe(expected[kind]);
  });

  it.each(TOKEN_FAILURE_CODES)('MailboxAuthError %s is an identity failure of its class', (code) => {
    const failure = classifyFailure(new MailboxAuthError(code, 'test'));
    expect(failure).toMatchObject({ code, source: 'identity', kind: graphErrorKind(401, code) });
  });

  it('keeps the class of the identity failure a MailboxAuthError wraps', () => {
    const throttled = classifyIdentityError(new ServerError('temporarily_unavailable', 'c', 'AADSTS90055: ...', undefined, '90055', 429));
    expect(classifyFailure(new MailboxAuthError('identity_unavailable', 'busy', throttled.aadsts, throttled))).toMatchObject({ kind: 'throttled', aadsts: 'AADSTS90055' });
  });
});

describe('anything else', () => {
  it('is retried as transient and said to be Relaydesk\'s own', () => {
    expect(classifyFailure(new Error('SQLITE_BUSY: database is locked'))).toMatchObject({ kind: 'transient', source: 'internal', code: 'internal_error' });
    expect(classifyFailure('a string')).toMatchObject({ kind: 'transient', source: 'internal' });
  });
});
