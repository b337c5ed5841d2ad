import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { Config } from '../config';
import { appCredentialInfo } from '../identity/app-credential';
import { AppTokens } from '../identity/app-tokens';
import { MULTI_TENANT_SEGMENTS } from '../identity/microsoft-hosts';
import { certificateCredential } from '../identity/microsoft-app';
import { MailboxAuthError } from '../identity/mailbox-auth-error';
import type { Logger } from '../logger';
import { daysLeft, warningLevel } from '../mailboxes/credential-health';
import { describeError, fail, ok, warn, type CheckResult } from './check-result';
import type { MicrosoftTarget } from './microsoft-target';

const CHECK = 'app credential';

/** What Entra's refusals of a client-credentials request mean for the configuration. */
const REFUSALS: Readonly<Record<string, { variable: string; fix: string }>> = {
  AADSTS7000215: { variable: 'MICROSOFT_CLIENT_SECRET', fix: "Set MICROSOFT_CLIENT_SECRET to the secret's Value (shown once when it is added), not its Secret ID." },
  AADSTS7000222: { variable: 'MICROSOFT_CLIENT_SECRET', fix: 'The secret has expired: add a new one (App registrations > Certificates & secrets) and set MICROSOFT_CLIENT_SECRET and MICROSOFT_CLIENT_SECRET_EXPIRES_AT.' },
  AADSTS700027: { variable: 'MICROSOFT_CLIENT_CERTIFICATE_PATH', fix: 'Upload this certificate (its public part) to the app registration (Certificates & secrets), or point MICROSOFT_CLIENT_CERTIFICATE_PATH at the registered one.' },
  AADSTS1000502: { variable: 'MICROSOFT_CLIENT_CERTIFICATE_PATH', fix: 'The certificate is outside its validity: register a new one and point MICROSOFT_CLIENT_CERTIFICATE_PATH at it.' },
  AADSTS700016: { variable: 'MICROSOFT_CLIENT_ID', fix: "Set MICROSOFT_CLIENT_ID to the app registration's Application (client) ID, and MICROSOFT_TENANT to a tenant where it exists." },
  AADSTS90002: { variable: 'MICROSOFT_TENANT', fix: 'Set MICROSOFT_TENANT to your Directory (tenant) ID or a verified domain.' },
};

/**
 * The app's own credential: readable, not near expiry, and accepted by the authority (one client-credentials
 * token request, which proves the secret or certificate without any mailbox's consent).
 */
export async function checkAppCredential(config: Pick<Config, 'microsoft' | 'auth'>, target: MicrosoftTarget, logger: Logger): Promise<CheckResult> {
  const local = localVerdict(config);
  if (local.status === 'fail' || !target.app) return local;
  const tenant = target.mode === 'sandbox' ? new URL(target.authority).pathname.split('/').find(Boolean) : tokenTenant(config);
  if (!tenant) return { ...local, detail: `${local.detail}; no token requested: MICROSOFT_TENANT is multi-tenant and AUTH_TENANT_ID names no tenant to ask in` };
  try {
    const token = await new AppTokens(target.app, logger).token(tenant);
    const proven = `${local.detail}; the authority issued the app a token for tenant ${token.tenantId}`;
    return { ...local, detail: proven };
  } catch (error) {
    if (!(error instanceof MailboxAuthError)) return fail(CHECK, 'token_request_failed', `the token request failed: ${describeError(error)}`, 'Check the identity endpoint rows above.');
    if (error.code === 'identity_unavailable') return warn(CHECK, 'identity_unavailable', `${local.detail}; the authority did not answer the token request: ${error.message}`, 'Run the doctor again later; the server retries meanwhile.');
    const known = error.aadstsCode ? REFUSALS[error.aadstsCode] : undefined;
    const variable = known?.variable ?? (config.microsoft.mode === 'entra' && config.microsoft.credential.kind === 'certificate' ? 'MICROSOFT_CLIENT_CERTIFICATE_PATH' : 'MICROSOFT_CLIENT_SECRET');
    return fail(CHECK, 'credential_refused', `the authority refuses the app's credential: ${error.message}`, known?.fix ?? 'Check the app registration (Certificates & secrets) against the configured credential.', variable);
  }
}

/** The tenant a client-credentials request is made in: a single-tenant MICROSOFT_TENANT, else the first AUTH_TENANT_ID. */
function tokenTenant(config: Pick<Config, 'microsoft' | 'auth'>): string | undefined {
  if (config.microsoft.mode !== 'entra') return undefined;
  if (!MULTI_TENANT_SEGMENTS.has(config.microsoft.tenant.toLowerCase())) return config.microsoft.tenant;
  return config.auth?.tenantIds[0];
}

/** What can be seen without asking Microsoft: the certificate file, and either credential's expiry. */
export function localVerdict(config: Pick<Config, 'microsoft'>, now = Date.now()): CheckResult {
  const microsoft = config.microsoft;
  if (microsoft.mode === 'sandbox') return ok(CHECK, "the sandbox app's secret");
  let what: string;
  let variable: string;
  if (microsoft.credential.kind === 'certificate') {
    variable = 'MICROSOFT_CLIENT_CERTIFICATE_PATH';
    try {
      const credential = certificateCredential(fs.readFileSync(microsoft.credential.path, 'utf8'), microsoft.credential.path);
      if (!new X509Certificate(credential.x5c).checkPrivateKey(createPrivateKey(credential.privateKey))) {
        return fail(CHECK, 'key_mismatch', `${microsoft.credential.path}: the private key does not belong to the certificate`, 'Put the certificate and the key it was issued for in one PEM file.', variable);
      }
    } catch (error) {
      return fail(CHECK, 'unreadable', `${microsoft.credential.path}: ${describeError(error)}`, 'Point MICROSOFT_CLIENT_CERTIFICATE_PATH at a PEM file with the private key and the certificate registered on the app, readable by the service account.', variable);
    }
    what = `certificate ${microsoft.credential.path}`;
  } else {
    variable = 'MICROSOFT_CLIENT_SECRET';
    what = 'client secret';
  }
  const expiresAt = appCredentialInfo(microsoft).expiresAt;
  if (!expiresAt) return ok(CHECK, `${what}; expiry unknown (set MICROSOFT_CLIENT_SECRET_EXPIRES_AT to be warned ahead of it)`);
  const left = Date.parse(expiresAt) - now;
  const renew = microsoft.credential.kind === 'secret' ? 'Add a new client secret in Entra, set MICROSOFT_CLIENT_SECRET and MICROSOFT_CLIENT_SECRET_EXPIRES_AT, restart.' : 'Register a new certificate on the app, point MICROSOFT_CLIENT_CERTIFICATE_PATH at it, restart.';
  if (left <= 0) return fail(CHECK, 'expired', `the ${what} expired on ${expiresAt}: Microsoft refuses every token`, renew, variable);
  const level = warningLevel(left);
  if (level === 'critical' || level === 'warning') return warn(CHECK, 'expiring', `the ${what} expires on ${expiresAt} (${daysLeft(left)} day(s) left); every mailbox stops then`, renew, variable);
  return ok(CHECK, `${what}, valid until ${expiresAt}`);
}
