import crypto from 'node:crypto';

/** Entra ID (AAD) protocol errors: an OAuth error code plus an AADSTS number in the description and error_codes. */

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'login_required'
  | 'interaction_required'
  | 'consent_required'
  | 'temporarily_unavailable';

export class AadError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly aadsts: number,
    readonly description: string,
    /** MSAL reads suberror to tell a bad token from, e.g., a missing consent. */
    readonly suberror?: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }

  body(correlationId: string = crypto.randomUUID()): Record<string, unknown> {
    const traceId = crypto.randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    const out: Record<string, unknown> = {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
    };
    if (this.suberror) out['suberror'] = this.suberror;
    return out;
  }
}

/** The AADSTS errors the sandbox produces, named so call sites read like Entra's documentation. */
export const aad = {
  tenantNotFound: (t: string) => new AadError('invalid_request', 90002, `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  appNotFound: (clientId: string) =>
    new AadError('unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  redirectMismatch: (uri: string, clientId: string) =>
    new AadError('invalid_request', 50011, `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`),
  missingParam: (name: string) => new AadError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedResponseType: () => new AadError('unsupported_response_type', 700054, "response_type 'id_token' is not enabled for the application; only 'code' is supported by the sandbox."),
  unsupportedGrantType: (g: string) => new AadError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${g}'.`),
  missingSecret: () => new AadError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  badSecret: (clientId: string) => new AadError('invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  codeRedeemed: () => new AadError('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () => new AadError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  malformedGrant: (what: string) => new AadError('invalid_grant', 9002313, `Invalid request. Request is malformed or invalid. The provided ${what} is not valid.`),
  codeClientMismatch: () => new AadError('invalid_grant', 70000, 'Provided grant is invalid or malformed: the authorization code was issued to a different client or redirect URI.'),
  pkceMismatch: () => new AadError('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  pkceMissing: () => new AadError('invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.'),
  /** Only with single-use refresh tokens (a sandbox switch): Entra itself keeps a rotated token valid. */
  refreshRotated: () => new AadError('invalid_grant', 70000, 'Provided grant is invalid or malformed. The refresh token was already redeemed and has been replaced by a newer one.', 'bad_token'),
  refreshRevoked: () => new AadError('invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', 'bad_token'),
  refreshExpired: () => new AadError('invalid_grant', 700082, 'The refresh token has expired due to inactivity. The token was issued and was inactive for 90.00:00:00.', 'bad_token'),
  userGone: () => new AadError('invalid_grant', 50034, 'The user account does not exist in the directory.', 'bad_token'),
  clientCredentialsScope: (scope: string) =>
    new AadError('invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  multipleResources: () => new AadError('invalid_scope', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope scopes are not valid.'),
  noConsent: (clientId: string) =>
    new AadError('invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`, 'consent_required'),
  userDeclined: () => new AadError('access_denied', 65004, 'User declined to consent to access the app.'),
  loginRequired: () => new AadError('login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
  wrongTenant: (upn: string, tenant: string) =>
    new AadError('invalid_request', 50020, `User account '${upn}' from identity provider does not exist in tenant '${tenant}' and cannot access the application in that tenant.`),
  unknownUser: (upn: string) => new AadError('invalid_request', 50034, `The user account ${upn} does not exist in the directory. To sign into this application, the account must be added to the directory.`),
  pkceRequiredForSpa: () => new AadError('invalid_request', 9002325, 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.'),
  userDisabled: () => new AadError('invalid_grant', 50057, 'The user account is disabled.'),
  /** client_credentials through /common or /organizations: there is no tenant to issue the app's token in. */
  noTenant: () => new AadError('invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.'),
  missingClientCredential: () => new AadError('invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."),
  /** RFC 6749 2.3.1: one authentication method per request. Entra documents no number for it; 90023 is its InvalidRequest. */
  twoClientCredentials: () => new AadError('invalid_request', 90023, "Invalid STS request: send 'client_secret' or 'client_assertion', not both."),
  badAssertionType: () => new AadError('invalid_request', 90100, "The parameter 'client_assertion_type' is empty or not valid: it must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'."),
  assertionMalformed: (why: string) => new AadError('invalid_client', 50027, `JWT token is invalid or malformed: ${why}`),
  assertionIssuer: () => new AadError('invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${CERT_DOCS}`),
  assertionSubject: () => new AadError('invalid_client', 50048, 'Subject mismatches Issuer claim in the client assertion.'),
  assertionKeyNotFound: (thumbprint: string, clientId: string) =>
    new AadError(
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
    ),
  assertionBadSignature: (thumbprint: string, start: number, end: number) =>
    new AadError(
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${aadDate(start)}, End=${aadDate(end)}']`,
    ),
  certificateOutsideValidity: (thumbprint: string, start: number, end: number) =>
    new AadError('invalid_client', 1000502, `Certificate is not within its valid time range. Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${aadDate(start)}, End=${aadDate(end)}'.`),
  assertionTimeRange: (now: number, nbf: number, exp: number) =>
    new AadError('invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${isoSeconds(now)}, assertion valid from ${isoSeconds(nbf)}, expiry time of assertion ${isoSeconds(exp)}. ${CERT_DOCS}`),
  assertionAudience: () => new AadError('invalid_client', 700023, `Client assertion audience claim does not match Realm issuer. ${CERT_DOCS}`),
};

const CERT_DOCS = 'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';

/** Entra prints key validity as MM/dd/yyyy HH:mm:ss. */
function aadDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, '.0000000Z');
}
