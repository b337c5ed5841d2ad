import type { Request, Response, Router } from 'express';
import { isRegisteredRedirectUri, type User } from '../directory';
import { AadError, aad } from './aad-errors';
import { renderConsentPage, renderErrorPage, renderFormPost } from './consent-page';
import type { Consent } from './grants';
import type { IdentityService } from './identity-service';
import { expandDefault, parseScopeString } from './scopes';

/**
 * `/{tenant}/oauth2/v2.0/authorize`: the authorization-code half of sign-in. Errors about the client or the
 * redirect URI are shown on the page (Entra never redirects to an unverified URI); every other error, and
 * Cancel, goes back to the redirect URI with error / error_description / state.
 */

const SESSION_COOKIE = 'sandbox_session';
type ResponseMode = 'query' | 'fragment' | 'form_post';

export function mountAuthorize(router: Router, identity: IdentityService): void {
  const handler = (req: Request, res: Response): void => {
    const params = collectParams(req);
    const tenantSegment = String(req.params['tenant']);
    const tenant = identity.directory.resolveTenantSegment(tenantSegment);
    if (!tenant) return errorPage(res, aad.tenantNotFound(tenantSegment));

    const clientId = params['client_id'];
    if (!clientId) return errorPage(res, aad.missingParam('client_id'));
    const app = identity.directory.app;
    if (clientId !== app.clientId) return errorPage(res, aad.appNotFound(clientId));
    const redirectUri = params['redirect_uri'];
    if (!redirectUri) return errorPage(res, aad.missingParam('redirect_uri'));
    if (!isRegisteredRedirectUri(redirectUri)) return errorPage(res, aad.redirectMismatch(redirectUri, clientId));

    const rawMode = params['response_mode'];
    const mode: ResponseMode = rawMode === 'fragment' || rawMode === 'form_post' ? rawMode : 'query';
    const state = params['state'];
    const fail = (err: AadError, extra: Record<string, string> = {}): void => redirectBack(res, redirectUri, mode, errorFields(err, state, extra));

    if (params['response_type'] !== 'code') return fail(aad.unsupportedResponseType());
    const parsed = parseScopeString(params['scope'], app);
    if (!parsed.ok) return fail(new AadError(parsed.error.kind, parsed.error.aadsts, parsed.error.message));
    const consent: Consent = {};
    for (const [resource, scopes] of parsed.scopes.byResource) consent[resource] = expandDefault(resource, scopes, app);

    const challenge = params['code_challenge'];
    const rawMethod = params['code_challenge_method'] ?? (challenge ? 'plain' : undefined);
    if (rawMethod !== undefined && rawMethod !== 'S256' && rawMethod !== 'plain') {
      return fail(new AadError('invalid_request', 501491, `Invalid code_challenge_method '${rawMethod}'.`));
    }

    const issue = (user: User): void => {
      identity.recordConsent(user, clientId, consent);
      const code = identity.grants.issueCode({
        clientId,
        redirectUri,
        userOid: user.oid,
        tenantId: user.tenantId,
        consent,
        oidc: parsed.scopes.oidc,
        ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: rawMethod === 'S256' ? 'S256' : 'plain' } : {}),
        ...(params['nonce'] ? { nonce: params['nonce'] } : {}),
      });
      const fields: Record<string, string> = { code, client_info: identity.issuer.clientInfo(user) };
      if (state !== undefined) fields['state'] = state;
      fields['session_state'] = user.oid;
      redirectBack(res, redirectUri, mode, fields);
    };

    const userOk = (user: User | undefined, upn: string): user is User => {
      if (!user) {
        errorPage(res, aad.unknownUser(upn));
        return false;
      }
      if (tenant !== 'multi' && user.tenantId !== tenant.id) {
        errorPage(res, aad.wrongTenant(user.upn, tenant.id));
        return false;
      }
      // A shared mailbox's account is disabled: Entra stops the sign-in on its own page, nothing goes back to the app.
      if (!user.accountEnabled) {
        errorPage(res, aad.userDisabled());
        return false;
      }
      return true;
    };

    // Silent sign-in (hidden iframe / ssoSilent): answer from the session cookie or fail without UI.
    if (params['prompt'] === 'none') {
      const user = identity.sessionUser(readCookie(req, SESSION_COOKIE));
      const hint = params['login_hint']?.toLowerCase();
      if (!user || (hint && hint !== user.upn.toLowerCase())) return fail(aad.loginRequired());
      if (!user.accountEnabled) return fail(aad.userDisabled());
      if (!identity.hasConsent(user, clientId, consent)) return fail(new AadError('consent_required', 65001, aad.noConsent(clientId).description));
      return issue(user);
    }

    // The page's answer (POST) or an automated flow's shortcut (query): sandbox_user + sandbox_consent.
    const answer = params['sandbox_consent'];
    const upn = params['sandbox_user'];
    if (answer === 'cancel') return fail(aad.userDeclined(), { error_subcode: 'cancel' });
    if (answer === 'accept' && upn) {
      const user = identity.directory.findUser(upn);
      if (!userOk(user, upn)) return;
      res.append('Set-Cookie', `${SESSION_COOKIE}=${identity.openSession(user)}; Path=/; Secure; HttpOnly; SameSite=None`);
      return issue(user);
    }

    // Disabled accounts (shared mailboxes) are not offered: nobody can sign in as them.
    const users = (tenant === 'multi' ? identity.directory.allUsers() : identity.directory.usersOf(tenant.id)).filter((u) => u.accountEnabled);
    const requested = [...Object.values(consent).flat(), ...parsed.scopes.oidc];
    res
      .status(200)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(
        renderConsentPage({
          action: `/${tenantSegment}/oauth2/v2.0/authorize`,
          params,
          appName: app.displayName,
          users,
          ...(params['login_hint'] ? { loginHint: params['login_hint'] } : {}),
          scopes: requested,
          ...(answer === 'accept' ? { error: 'Choose an account to sign in with.' } : {}),
        }),
      );
  };
  router.get('/:tenant/oauth2/v2.0/authorize', handler);
  router.post('/:tenant/oauth2/v2.0/authorize', handler);

  router.get('/:tenant/oauth2/v2.0/logout', (req: Request, res: Response) => {
    res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`);
    const target = typeof req.query['post_logout_redirect_uri'] === 'string' ? req.query['post_logout_redirect_uri'] : undefined;
    if (target && isRegisteredRedirectUri(target)) return res.redirect(302, target);
    res.type('html').send(renderErrorPage('You signed out of your account.'));
  });
}

/** Query and (for the consent page's POST) body parameters, first value wins, strings only. */
function collectParams(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (src: unknown): void => {
    if (!src || typeof src !== 'object') return;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) {
      const s = Array.isArray(v) ? v[0] : v;
      if (typeof s === 'string' && !(k in out)) out[k] = s;
    }
  };
  add(req.body);
  add(req.query);
  return out;
}

function errorFields(err: AadError, state: string | undefined, extra: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = { error: err.error, error_description: err.message, error_uri: `https://login.microsoftonline.com/error?code=${err.aadsts}`, ...extra };
  if (state !== undefined) fields['state'] = state;
  return fields;
}

function redirectBack(res: Response, redirectUri: string, mode: ResponseMode, fields: Record<string, string>): void {
  if (mode === 'form_post') {
    res.status(200).type('html').set('Cache-Control', 'no-store').send(renderFormPost(redirectUri, fields));
    return;
  }
  const encoded = new URLSearchParams(fields).toString();
  const location = mode === 'fragment' ? `${redirectUri}#${encoded}` : `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}`;
  res.set('Cache-Control', 'no-store').redirect(302, location);
}

function errorPage(res: Response, err: AadError): void {
  res.status(400).type('html').set('Cache-Control', 'no-store').send(renderErrorPage(err.message));
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
