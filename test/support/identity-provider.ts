import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

/**
 * A minimal OpenID provider for API tests: serves v2.0 OpenID metadata and a JWKS over HTTP, so the real
 * TokenVerifier (discovery + remote JWKS) runs unchanged, and signs access tokens with its own RS256 key.
 * The Exchange Online sandbox is the full identity emulator; this keeps the fast suite free of TLS start-up.
 */
export interface TestIdentityProvider {
  authority: string;
  /** The same keys behind a multi-tenant authority, whose issuer is Entra's `{tenantid}` template. */
  multiTenantAuthority: string;
  issuer: string;
  audience: string;
  tenantId: string;
  /** The API scope clients request; tokens carry its last segment in `scp` unless the claims say otherwise. */
  apiScope: string;
  token(claims?: TokenClaims, options?: { expiresInSeconds?: number; audience?: string; issuer?: string; signWithForeignKey?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export interface TokenClaims extends JWTPayload {
  roles?: string[];
  preferred_username?: string;
  name?: string;
}

export const AGENT = { roles: ['Relaydesk.Agent'], preferred_username: 'agent@contoso.test', name: 'Alex Agent', oid: '00000000-0000-0000-0000-00000000a001' };
export const ADMIN = { roles: ['Relaydesk.Admin'], preferred_username: 'admin@contoso.test', name: 'Ada Admin', oid: '00000000-0000-0000-0000-00000000ad01' };
export const END_USER = { preferred_username: 'customer@example.test', name: 'Casey Customer', oid: '00000000-0000-0000-0000-00000000c001' };

const API_SCOPE_NAME = 'access_as_user';

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const tenantId = randomUUID();
  const audience = `api://relaydesk-test-${randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  let base = '';
  const server = http.createServer((req, res) => {
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/organizations/v2.0/.well-known/openid-configuration') {
      send({ issuer: `${base}/{tenantid}/v2.0`, jwks_uri: `${base}/organizations/discovery/v2.0/keys` });
    } else if (req.url === '/organizations/discovery/v2.0/keys') {
      send({ keys: [jwk] });
    } else if (req.url === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      send({ issuer: `${base}/${tenantId}/v2.0`, jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys` });
    } else if (req.url === `/${tenantId}/discovery/v2.0/keys`) {
      send({ keys: [jwk] });
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/${tenantId}/v2.0`;

  return {
    authority: `${base}/${tenantId}`,
    multiTenantAuthority: `${base}/organizations`,
    issuer,
    audience,
    tenantId,
    apiScope: `${audience}/${API_SCOPE_NAME}`,
    async token(claims = AGENT, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = options.expiresInSeconds ?? 3600;
      // A delegated v2 access token for the API, as Entra shapes it; claims set to undefined are left out.
      return new SignJWT({ tid: tenantId, ver: '2.0', scp: API_SCOPE_NAME, azp: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now - 10)
        .setNotBefore(now - 10)
        .setExpirationTime(now + expiresIn)
        .sign(options.signWithForeignKey ? foreign.privateKey : privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
