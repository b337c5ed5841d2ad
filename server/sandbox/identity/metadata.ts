import type { Request, Response, Router } from 'express';
import type { IdentityService } from './identity-service';
import { publicJwk } from './jwt';

/**
 * OpenID discovery documents and the JWKS. MSAL (protocol mode AAD) fetches
 * `{authority}v2.0/.well-known/openid-configuration`; with `knownAuthorities` set it never calls Microsoft's
 * instance discovery, but the endpoint is served anyway for clients that ask. CORS comes from ../cors.ts (the
 * sandbox's and the app's origins only), not `*` as Entra sends: nothing here needs to be read by other sites.
 */
export function mountMetadata(router: Router, identity: IdentityService): void {
  const base = identity.baseUrl;

  router.get('/:tenant/v2.0/.well-known/openid-configuration', (req: Request, res: Response) => {
    const segment = String(req.params['tenant']);
    const tenant = identity.directory.resolveTenantSegment(segment);
    if (!tenant) {
      res.status(400).json({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${segment}' not found.`, error_codes: [90002] });
      return;
    }
    // For common/organizations Entra publishes a templated issuer; MSAL substitutes the token's tid.
    const issuerTenant = tenant === 'multi' ? '{tenantid}' : tenant.id;
    const t = tenant === 'multi' ? segment : tenant.id;
    res.json({
      token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/${t}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: new URL(base).host,
      cloud_graph_host_name: new URL(base).host,
      msgraph_host: new URL(base).host,
      rbac_url: base,
      code_challenge_methods_supported: ['plain', 'S256'],
    });
  });

  const keys = (_req: Request, res: Response): void => {
    res.json({ keys: [publicJwk(identity.signingKey)] });
  };
  router.get('/discovery/v2.0/keys', keys);
  router.get('/:tenant/discovery/v2.0/keys', keys);

  router.get('/common/discovery/instance', (_req: Request, res: Response) => {
    const host = new URL(base).host;
    res.json({
      tenant_discovery_endpoint: `${base}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
}
