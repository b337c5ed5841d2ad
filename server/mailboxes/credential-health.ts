import type { MailboxRow } from '../store/schema';

/**
 * How long a mailbox's credentials have left, and the warnings that come before they break. Pure: the row,
 * what is known of the app's own credential, and the time. Entra drops a refresh token unused for 90 days,
 * and a client secret or certificate stops every mailbox at once on its expiry date; both are silent until
 * then, so the admins are told 30, 7 and 1 day(s) ahead.
 */

/** Entra's inactivity limit for a refresh token: unused this long, it can no longer be redeemed. */
export const REFRESH_TOKEN_IDLE_LIMIT_MS = 90 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Warning levels by days left, most urgent first: at most this many days left raises that level. */
export const CREDENTIAL_WARNING_THRESHOLDS = [
  { level: 'critical', days: 1 },
  { level: 'warning', days: 7 },
  { level: 'info', days: 30 },
] as const;

export type CredentialWarningLevel = (typeof CREDENTIAL_WARNING_THRESHOLDS)[number]['level'];
export const CREDENTIAL_WARNING_KINDS = ['refresh_token_inactive', 'client_secret_expiring', 'certificate_expiring', 'consent_lost'] as const;
export type CredentialWarningKind = (typeof CREDENTIAL_WARNING_KINDS)[number];

/** The app's own credential: a client secret (expiry as configured), a certificate (its notAfter), or the sandbox's. */
export interface AppCredentialInfo {
  kind: 'secret' | 'certificate' | 'sandbox';
  /** ISO-8601; null when unknown (a secret without MICROSOFT_CLIENT_SECRET_EXPIRES_AT) or never (the sandbox). */
  expiresAt: string | null;
}

/** Used where the app credential is not known (the sandbox, and views built without one): no expiry to warn of. */
export const SANDBOX_APP_CREDENTIAL: AppCredentialInfo = { kind: 'sandbox', expiresAt: null };

export interface CredentialWarning {
  kind: CredentialWarningKind;
  level: CredentialWarningLevel;
  /** Whole days left (0 on the last day; negative once past); null for consent_lost. */
  daysLeft: number | null;
  message: string;
}

export interface CredentialHealth {
  grantIssuedAt: string | null;
  refreshTokenLastUsedAt: string | null;
  /** Last use (or the grant) + 90 days; null when the mailbox holds no grant. */
  refreshTokenExpiresAt: string | null;
  consent: 'ok' | 'lost';
  appCredential: AppCredentialInfo;
  warnings: CredentialWarning[];
}

/** `auth_mode` absent: delegated (a row read before app-only access existed). */
type CredentialRow = Pick<MailboxRow, 'state' | 'grant_issued_at' | 'refresh_token_used_at' | 'linked_at'> & Partial<Pick<MailboxRow, 'auth_mode'>>;

/** The level for `msLeft`, or null while more than 30 days are left. */
export function warningLevel(msLeft: number): CredentialWarningLevel | null {
  for (const t of CREDENTIAL_WARNING_THRESHOLDS) if (msLeft <= t.days * DAY_MS) return t.level;
  return null;
}

/** Whole days left, rounded down (23 hours left is 0 days: the last day). */
export function daysLeft(msLeft: number): number {
  return Math.floor(msLeft / DAY_MS);
}

/** When the refresh token was last known to be good: its last redemption, else the grant (a new grant is a new token). */
export function refreshTokenLastGood(row: CredentialRow): string | null {
  // The app's own token (client credentials) has no refresh token to age.
  if (row.auth_mode === 'application') return null;
  const times = [row.refresh_token_used_at, row.grant_issued_at ?? row.linked_at].filter((t): t is string => t !== null);
  if (times.length === 0) return null;
  return times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

export function credentialHealth(row: CredentialRow, appCredential: AppCredentialInfo = SANDBOX_APP_CREDENTIAL, now: number = Date.now()): CredentialHealth {
  const warnings: CredentialWarning[] = [];
  const holdsGrant = row.state === 'active' || row.state === 'paused';
  const consent = row.state === 'needs_reauth' ? 'lost' : 'ok';
  if (consent === 'lost') {
    const message =
      row.auth_mode === 'application'
        ? "The app can no longer reach the mailbox; an admin must restore its access in Exchange Online, then re-check access"
        : 'Microsoft no longer accepts the grant; an admin must re-authorize the mailbox';
    warnings.push({ kind: 'consent_lost', level: 'critical', daysLeft: null, message });
  }
  const lastGood = refreshTokenLastGood(row);
  const expiresAt = lastGood && holdsGrant ? new Date(Date.parse(lastGood) + REFRESH_TOKEN_IDLE_LIMIT_MS).toISOString() : null;
  if (expiresAt) {
    const left = Date.parse(expiresAt) - now;
    const level = warningLevel(left);
    if (level) {
      warnings.push({ kind: 'refresh_token_inactive', level, daysLeft: daysLeft(left), message: `The refresh token expires ${left > 0 ? `in ${daysLeft(left)} day(s)` : 'now'} unless Microsoft sees it used; re-authorize the mailbox to be safe` });
    }
  }
  if (appCredential.expiresAt && appCredential.kind !== 'sandbox') {
    const left = Date.parse(appCredential.expiresAt) - now;
    const level = warningLevel(left);
    if (level) {
      const what = appCredential.kind === 'secret' ? 'client secret' : 'certificate';
      warnings.push({
        kind: appCredential.kind === 'secret' ? 'client_secret_expiring' : 'certificate_expiring',
        level,
        daysLeft: daysLeft(left),
        message: left > 0 ? `The app's ${what} expires in ${daysLeft(left)} day(s); every mailbox stops then: add a new one in Entra and configure it` : `The app's ${what} has expired; Microsoft refuses every token until a new one is configured`,
      });
    }
  }
  return {
    grantIssuedAt: row.grant_issued_at,
    refreshTokenLastUsedAt: row.refresh_token_used_at,
    refreshTokenExpiresAt: expiresAt,
    consent,
    appCredential,
    warnings,
  };
}
