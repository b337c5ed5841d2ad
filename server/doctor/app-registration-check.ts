import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { MAILBOX_SCOPES } from '../identity/microsoft-app';
import { describeError, fail, ok, warn, type CheckResult } from './check-result';
import type { MicrosoftTarget } from './microsoft-target';
import { httpGet } from './probe';

/**
 * The app registration as far as it can be seen without signing anyone in. Entra checks the client id and
 * the redirect URI before it shows the sign-in page, and answers a mismatch on its own error page
 * (AADSTS50011, never a redirect to an unregistered URI); a later problem, such as a scope, goes back to the
 * redirect URI as `error=`. So one authorize request, redirects not followed, tells which it is.
 */

/** Where the server's OAuth callback route listens (http/routes/oauth-callback.ts). */
const CALLBACK_PATH = '/oauth/callback';
const GUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;
/** An application ID URI (api://..., or an https URI) followed by a scope name. */
const API_SCOPE = /^(api:\/\/[^\s/]+(\/[^\s/]+)*|https:\/\/[^\s/]+(\/[^\s/]+)*)\/[A-Za-z0-9_.-]+$/;

export type AuthorizeAnswer =
  /** The sign-in page (or a step of it): client id and redirect URI passed. */
  | { kind: 'accepted' }
  /** Sent back to the redirect URI with an error: the redirect URI passed, something else did not. */
  | { kind: 'error_redirect'; error: string; aadsts: number | undefined; description: string }
  /** Entra's own error page, for what it will not redirect about. */
  | { kind: 'refused'; aadsts: number; message: string }
  | { kind: 'unclear'; status: number };

/** Reads an authorize endpoint's first answer (no redirect followed). */
export function readAuthorizeAnswer(answer: { status: number; location: string | undefined; body: string }, redirectUri: string): AuthorizeAnswer {
  if (answer.status >= 300 && answer.status < 400 && answer.location) {
    if (answer.location.startsWith(redirectUri)) {
      const target = new URL(answer.location);
      const fields = new URLSearchParams(target.hash ? target.hash.slice(1) : target.search);
      const error = fields.get('error');
      if (!error) return { kind: 'accepted' };
      const description = fields.get('error_description') ?? '';
      const code = /AADSTS(\d+)/.exec(description)?.[1];
      return { kind: 'error_redirect', error, aadsts: code ? Number(code) : undefined, description: firstSentence(description) };
    }
    // Onward within sign-in (a federated IdP, another sign-in host): Entra only gets there past its checks.
    return { kind: 'accepted' };
  }
  // The error page carries the code and its message, "AADSTS50011: The redirect URI ...".
  const refused = /AADSTS(\d{5,8}):\s*([^"<]*)/.exec(answer.body);
  if (refused) return { kind: 'refused', aadsts: Number(refused[1]), message: firstSentence(`AADSTS${refused[1]}: ${refused[2]}`) };
  if (answer.status === 200) return { kind: 'accepted' };
  return { kind: 'unclear', status: answer.status };
}

export async function checkAppRegistration(config: Pick<Config, 'redirectUri'>, env: NodeJS.ProcessEnv, target: MicrosoftTarget, authorizationEndpoint: string | undefined): Promise<CheckResult[]> {
  const endpoint = authorizationEndpoint ?? `${target.authority}/oauth2/v2.0/authorize`;
  const redirectVariable = env['OAUTH_REDIRECT_URI'] ? 'OAUTH_REDIRECT_URI' : 'PUBLIC_ORIGIN';
  const shape = apiScopeShape(target);
  const ask = async (scope: string): Promise<AuthorizeAnswer | Error> => {
    try {
      const answer = await httpGet(authorizeUrl(endpoint, target.clientId, config.redirectUri, scope), target.extraCa ? { extraCa: target.extraCa } : {});
      return readAuthorizeAnswer({ status: answer.status, location: answer.headers.location, body: answer.body }, config.redirectUri);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const redirect = await ask(['openid', 'profile', ...MAILBOX_SCOPES].join(' '));
  const redirectRow = redirectVerdict(redirect, config.redirectUri, redirectVariable, target);
  if (shape.status === 'fail') return [redirectRow, shape];
  // The scope can only be put to the authority once it accepts the redirect URI: it answers about that first.
  if (!(redirect instanceof Error) && (redirect.kind === 'accepted' || redirect.kind === 'error_redirect')) {
    return [redirectRow, apiScopeVerdict(await ask(`openid ${target.apiScope}`), target)];
  }
  return [redirectRow, warn('API scope', 'not_checked', `${target.apiScope} is well-formed; the authority was not asked about it, since it refused the request before (see redirect URI)`, 'Fix the redirect URI first, then run the doctor again.')];
}

export function redirectVerdict(answer: AuthorizeAnswer | Error, redirectUri: string, variable: string, target: Pick<MicrosoftTarget, 'mode' | 'clientId' | 'authority' | 'variables'>): CheckResult {
  const check = 'redirect URI';
  if (answer instanceof Error) return warn(check, 'unreachable', `could not ask the authorize endpoint: ${describeError(answer)}`, 'Fix the identity endpoint checks above, then run the doctor again.', variable);
  switch (answer.kind) {
    case 'error_redirect':
      return warn(check, 'scopes_refused', `the authority accepts ${redirectUri}, but refuses what the link flow asks for: ${answer.description}`, `Give app ${target.clientId} the delegated Graph permissions ${MAILBOX_SCOPES.join(' ')} (App registrations > API permissions).`, target.variables.clientId);
    case 'accepted': {
      const path = new URL(redirectUri).pathname;
      if (path !== CALLBACK_PATH) {
        return warn(check, 'wrong_callback_path', `the authority accepts ${redirectUri}, but Relaydesk takes the answer at ${CALLBACK_PATH}, not ${path}`, `Register and configure a redirect URI ending in ${CALLBACK_PATH} (the default is PUBLIC_ORIGIN${CALLBACK_PATH}).`, variable);
      }
      return ok(check, `the authorize endpoint accepts ${redirectUri} for app ${target.clientId}`);
    }
    case 'refused':
      return refusedVerdict(answer, redirectUri, variable, target);
    case 'unclear':
      return warn(check, 'unclear', `the authorize endpoint answered HTTP ${answer.status}, which says neither yes nor no`, 'Run the doctor again later; if it persists, try the link flow from the task pane and read the error Microsoft shows.', variable);
  }
}

function refusedVerdict(answer: Extract<AuthorizeAnswer, { kind: 'refused' }>, redirectUri: string, variable: string, target: Pick<MicrosoftTarget, 'mode' | 'clientId' | 'authority' | 'variables'>): CheckResult {
  const check = 'redirect URI';
  if (answer.aadsts === 50011) {
    const fix =
      target.mode === 'sandbox'
        ? `The sandbox accepts only localhost redirect URIs: unset ${variable === 'OAUTH_REDIRECT_URI' ? 'OAUTH_REDIRECT_URI (it defaults to PUBLIC_ORIGIN/oauth/callback)' : 'PUBLIC_ORIGIN'} or point it at localhost.`
        : `Add ${redirectUri} as a Web redirect URI of app ${target.clientId} (Entra admin center > App registrations > Authentication), or set ${variable} to a registered one.`;
    return fail(check, 'redirect_uri_mismatch', `the authority refuses ${variable} ${redirectUri}: AADSTS50011, not a redirect URI registered on app ${target.clientId}`, fix, variable);
  }
  if (answer.aadsts === 700016) {
    return fail(check, 'app_not_found', `${answer.message} (authority ${target.authority})`, "Set MICROSOFT_CLIENT_ID to the app registration's Application (client) ID, and MICROSOFT_TENANT to a tenant where the app exists.", target.variables.clientId);
  }
  if (answer.aadsts === 90002) {
    return fail(check, 'tenant_not_found', answer.message, 'Set MICROSOFT_TENANT to your Directory (tenant) ID or a verified domain.', target.variables.tenant);
  }
  return fail(check, 'authorize_refused', answer.message, `Look the code up at https://login.microsoftonline.com/error?code=${answer.aadsts} and correct the app registration.`, variable);
}

/** The scope's form: an application ID URI and a scope name; in Entra the client id is a GUID. */
export function apiScopeShape(target: Pick<MicrosoftTarget, 'mode' | 'clientId' | 'apiScope' | 'variables'>): CheckResult {
  const check = 'API scope';
  if (target.mode === 'entra' && !GUID.test(target.clientId)) {
    return fail(check, 'client_id_not_guid', `MICROSOFT_CLIENT_ID '${target.clientId}' is not an application (client) ID, so ${target.apiScope} names no app`, "Set MICROSOFT_CLIENT_ID to the app registration's Application (client) ID, a GUID.", target.variables.clientId);
  }
  if (!API_SCOPE.test(target.apiScope)) {
    return fail(check, 'malformed', `${target.apiScope} is not an application ID URI followed by a scope name`, 'Expose the API as api://<client id> with the scope access_as_user (Entra admin center > App registrations > Expose an API).', target.variables.clientId);
  }
  return ok(check, `${target.apiScope} is well-formed`);
}

function apiScopeVerdict(answer: AuthorizeAnswer | Error, target: MicrosoftTarget): CheckResult {
  const check = 'API scope';
  if (answer instanceof Error) return warn(check, 'unreachable', `${target.apiScope} is well-formed; the authorize endpoint could not be asked about it: ${describeError(answer)}`, 'Run the doctor again once the identity endpoint answers.');
  if (answer.kind === 'error_redirect' && (answer.error === 'invalid_scope' || answer.error === 'invalid_resource' || answer.aadsts === 500011 || answer.aadsts === 650053 || answer.aadsts === 70011)) {
    const fix =
      target.mode === 'sandbox'
        ? 'The sandbox exposes api://<its client id>/access_as_user: restart it with this DATA_DIR.'
        : `Expose the API on app ${target.clientId}: Application ID URI api://${target.clientId} and the scope access_as_user (Entra admin center > App registrations > Expose an API).`;
    return fail(check, 'scope_unknown', `the authority does not know ${target.apiScope}: ${answer.description}`, fix, target.variables.clientId);
  }
  if (answer.kind === 'accepted' || answer.kind === 'error_redirect') {
    // Consent to it is asked at sign-in, which a check cannot do: this is as far as it goes.
    return ok(check, `${target.apiScope} is well-formed and the authorize endpoint takes it (consent is asked at sign-in)`);
  }
  return warn(check, 'unclear', `${target.apiScope} is well-formed; the authorize endpoint answered ${answer.kind === 'refused' ? answer.message : `HTTP ${answer.status}`}`, 'Check the app registration under Expose an API.', target.variables.clientId);
}

/** The authorize request the link flow makes, with a throwaway PKCE challenge and state: nothing comes of it. */
export function authorizeUrl(endpoint: string, clientId: string, redirectUri: string, scope: string): string {
  const url = new URL(endpoint);
  const verifier = randomBytes(32).toString('base64url');
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    response_mode: 'query',
    scope,
    state: `doctor-${randomBytes(8).toString('hex')}`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The message's first line, with what HTML or a script string escaped in it turned back. */
function firstSentence(text: string): string {
  const unescaped = text.replace(/&#39;|\\u0027/g, "'").replace(/&quot;|\\u0022/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return unescaped.split(/\r?\n| Trace ID:/)[0]!.trim();
}
