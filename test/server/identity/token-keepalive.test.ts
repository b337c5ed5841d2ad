import pino from 'pino';
import { TokenKeepAlive } from '../../../server/identity/token-keepalive';
import { mailboxView } from '../../../server/mailboxes/mailbox-view';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../../support/relaydesk-with-sandbox';

/**
 * The keep-alive against the sandbox's Entra, through msal-node: a grant idle past the keep-alive age is
 * redeemed before Entra's 90 days run out (the refresh token rotates, the idle clock restarts); one whose
 * consent is lost is left alone (nothing but an admin can bring it back).
 */

const DAY = 24 * 60 * 60 * 1000;
let rd: RelaydeskWithSandbox;

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
});
afterAll(() => rd?.close());

/** The refresh token MSAL holds for the mailbox, read from its sealed cache. */
async function refreshTokenOf(mailboxId: number): Promise<string> {
  const row = (await rd.store.mailboxes.findById(mailboxId))!;
  const cache = JSON.parse(rd.vault.decrypt(row.token_cache!, { mailboxId, field: 'token_cache' })) as { RefreshToken: Record<string, { secret: string }> };
  const secrets = Object.values(cache.RefreshToken).map((t) => t.secret);
  expect(secrets).toHaveLength(1);
  return secrets[0]!;
}

const keepAlive = () => new TokenKeepAlive(rd.store, rd.tokens, pino({ level: 'silent' }), { keepAliveAfterMs: 60 * DAY });

describe('TokenKeepAlive', () => {
  it('redeems a refresh token idle for 61 days: Entra rotates it and its idle clock restarts, which clears the warning', async () => {
    const mailbox = await rd.linkMailbox('idle@contoso.test');
    expect(mailbox.grant_issued_at).not.toBeNull();
    const longAgo = new Date(Date.now() - 61 * DAY).toISOString();
    await rd.store.mailboxes.update(mailbox.id, { grant_issued_at: longAgo, refresh_token_used_at: longAgo });
    expect(mailboxView((await rd.store.mailboxes.findById(mailbox.id))!).credentials.warnings).toEqual([expect.objectContaining({ kind: 'refresh_token_inactive', level: 'info', daysLeft: 28 })]);
    const before = await refreshTokenOf(mailbox.id);

    await keepAlive().runOnce();

    const after = (await rd.store.mailboxes.findById(mailbox.id))!;
    expect(await refreshTokenOf(mailbox.id)).not.toBe(before);
    expect(Date.parse(after.refresh_token_used_at!)).toBeGreaterThan(Date.now() - DAY);
    expect(after.state).toBe('active');
    expect(mailboxView(after).credentials.warnings).toEqual([]);
  });

  it('leaves a recently used grant alone', async () => {
    const mailbox = await rd.linkMailbox('busy@contoso.test');
    const usedAt = new Date(Date.now() - 59 * DAY).toISOString();
    await rd.store.mailboxes.update(mailbox.id, { grant_issued_at: usedAt, refresh_token_used_at: usedAt });
    const before = await refreshTokenOf(mailbox.id);
    await keepAlive().runOnce();
    expect(await refreshTokenOf(mailbox.id)).toBe(before);
    expect((await rd.store.mailboxes.findById(mailbox.id))!.refresh_token_used_at).toBe(usedAt);
  });

  it('skips a mailbox that needs re-authorization: no token request, its state and times unchanged', async () => {
    const mailbox = await rd.linkMailbox('lost@contoso.test');
    const longAgo = new Date(Date.now() - 61 * DAY).toISOString();
    await rd.store.mailboxes.update(mailbox.id, { state: 'needs_reauth', state_reason: 'grant revoked', refresh_token_used_at: longAgo, grant_issued_at: longAgo });
    const before = await refreshTokenOf(mailbox.id);
    await keepAlive().runOnce();
    const row = (await rd.store.mailboxes.findById(mailbox.id))!;
    expect(row.state).toBe('needs_reauth');
    expect(row.refresh_token_used_at).toBe(longAgo);
    expect(await refreshTokenOf(mailbox.id)).toBe(before);
  });

  it('logs each credential warning once per process and level, not at every round', async () => {
    const mailbox = await rd.linkMailbox('warned@contoso.test');
    const longAgo = new Date(Date.now() - 85 * DAY).toISOString();
    await rd.store.mailboxes.update(mailbox.id, { grant_issued_at: longAgo, refresh_token_used_at: longAgo });
    const lines: { mailbox?: string; kind?: string; level?: number; warningLevel?: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    // A keep-alive age past the warning, so this round warns instead of refreshing.
    const watcher = new TokenKeepAlive(rd.store, rd.tokens, logger, { keepAliveAfterMs: 100 * DAY });
    await watcher.runOnce();
    await watcher.runOnce();
    expect(lines.filter((l) => l.mailbox === 'warned@contoso.test' && l.kind === 'refresh_token_inactive')).toEqual([expect.objectContaining({ level: 40, warningLevel: 'warning', daysLeft: 4 })]);
    // The next threshold is a new warning.
    await rd.store.mailboxes.update(mailbox.id, { grant_issued_at: new Date(Date.now() - 89.5 * DAY).toISOString(), refresh_token_used_at: new Date(Date.now() - 89.5 * DAY).toISOString() });
    await watcher.runOnce();
    expect(lines.filter((l) => l.mailbox === 'warned@contoso.test' && l.kind === 'refresh_token_inactive')).toHaveLength(2);
  });
});
