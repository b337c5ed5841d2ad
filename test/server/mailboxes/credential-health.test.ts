import { credentialHealth, REFRESH_TOKEN_IDLE_LIMIT_MS, type AppCredentialInfo } from '../../../server/mailboxes/credential-health';
import type { MailboxState } from '../../../server/mailboxes/mailbox-state';

/** Warnings come 30, 7 and 1 day(s) before a grant or the app credential breaks; before that, none. */

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2027-01-31T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const ahead = (ms: number) => new Date(NOW + ms).toISOString();
const row = (over: Partial<{ state: MailboxState; grant_issued_at: string | null; refresh_token_used_at: string | null; linked_at: string | null }> = {}) => ({
  state: 'active' as MailboxState,
  grant_issued_at: ago(100 * DAY),
  refresh_token_used_at: ago(DAY),
  linked_at: ago(100 * DAY),
  ...over,
});

describe('credentialHealth: the refresh token', () => {
  it('expires 90 days after its last use and warns of nothing while more than 30 days are left', () => {
    const health = credentialHealth(row({ refresh_token_used_at: ago(59 * DAY) }), undefined, NOW);
    expect(health.refreshTokenExpiresAt).toBe(new Date(NOW - 59 * DAY + REFRESH_TOKEN_IDLE_LIMIT_MS).toISOString());
    expect(health.consent).toBe('ok');
    expect(health.warnings).toEqual([]);
  });

  it.each([
    [61, 'info', 29],
    [84, 'warning', 6],
    [83.5, 'warning', 6],
    [89.5, 'critical', 0],
    [95, 'critical', -5],
  ] as const)('unused for %d days: %s with %d day(s) left', (idleDays, level, daysLeft) => {
    const [warning, ...rest] = credentialHealth(row({ refresh_token_used_at: ago(idleDays * DAY) }), undefined, NOW).warnings;
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ kind: 'refresh_token_inactive', level, daysLeft });
  });

  it('counts from a newer grant (a re-authorization gives a new refresh token) over an old use', () => {
    const health = credentialHealth(row({ grant_issued_at: ago(2 * DAY), refresh_token_used_at: ago(85 * DAY) }), undefined, NOW);
    expect(health.refreshTokenExpiresAt).toBe(new Date(NOW - 2 * DAY + REFRESH_TOKEN_IDLE_LIMIT_MS).toISOString());
    expect(health.warnings).toEqual([]);
  });

  it('counts from the link time for a mailbox linked before grants were recorded', () => {
    const health = credentialHealth(row({ grant_issued_at: null, refresh_token_used_at: null, linked_at: ago(80 * DAY) }), undefined, NOW);
    expect(health.warnings).toEqual([expect.objectContaining({ kind: 'refresh_token_inactive', level: 'info', daysLeft: 10 })]);
  });

  it('says consent is lost (critical) for needs_reauth, with no refresh token to count down', () => {
    const health = credentialHealth(row({ state: 'needs_reauth', refresh_token_used_at: ago(89 * DAY) }), undefined, NOW);
    expect(health.consent).toBe('lost');
    expect(health.refreshTokenExpiresAt).toBeNull();
    expect(health.warnings).toEqual([expect.objectContaining({ kind: 'consent_lost', level: 'critical', daysLeft: null })]);
  });

  it('warns for a paused mailbox too: pausing does not stop Entra counting', () => {
    expect(credentialHealth(row({ state: 'paused', refresh_token_used_at: ago(85 * DAY) }), undefined, NOW).warnings).toEqual([
      expect.objectContaining({ kind: 'refresh_token_inactive', level: 'warning' }),
    ]);
  });
});

describe('credentialHealth: the app credential', () => {
  const secret = (days: number): AppCredentialInfo => ({ kind: 'secret', expiresAt: ahead(days * DAY) });

  it.each([
    [31, null],
    [30, 'info'],
    [8, 'info'],
    [7, 'warning'],
    [1.5, 'warning'],
    [1, 'critical'],
    [-2, 'critical'],
  ] as const)('a client secret %d day(s) from expiry: %s', (days, level) => {
    const warnings = credentialHealth(row(), secret(days), NOW).warnings;
    if (level === null) expect(warnings).toEqual([]);
    else expect(warnings).toEqual([expect.objectContaining({ kind: 'client_secret_expiring', level })]);
  });

  it('names a certificate as a certificate, and says nothing of a secret whose expiry is unknown or of the sandbox', () => {
    expect(credentialHealth(row(), { kind: 'certificate', expiresAt: ahead(3 * DAY) }, NOW).warnings).toEqual([expect.objectContaining({ kind: 'certificate_expiring', level: 'warning', daysLeft: 3 })]);
    expect(credentialHealth(row(), { kind: 'secret', expiresAt: null }, NOW).warnings).toEqual([]);
    expect(credentialHealth(row(), { kind: 'sandbox', expiresAt: ahead(DAY) }, NOW).warnings).toEqual([]);
  });
});

describe('credentialHealth: a mailbox linked in application mode', () => {
  const app = (state: MailboxState) => ({ ...row({ state, grant_issued_at: null, refresh_token_used_at: null, linked_at: ago(200 * DAY) }), auth_mode: 'application' as const });

  it('has no refresh token to age, however long ago it was linked, but still its app certificate', () => {
    const health = credentialHealth(app('active'), { kind: 'certificate', expiresAt: ahead(5 * DAY) }, NOW);
    expect(health.refreshTokenExpiresAt).toBeNull();
    expect(health.warnings.map((w) => w.kind)).toEqual(['certificate_expiring']);
  });

  it('says to restore the access in Exchange and re-check it once the app has lost the mailbox', () => {
    const [warning] = credentialHealth(app('needs_reauth'), undefined, NOW).warnings;
    expect(warning).toMatchObject({ kind: 'consent_lost', level: 'critical' });
    expect(warning?.message).toMatch(/restore its access in Exchange Online, then re-check access/);
  });
});
