import type { Logger } from '../logger';
import { credentialHealth, SANDBOX_APP_CREDENTIAL, type AppCredentialInfo } from '../mailboxes/credential-health';
import type { Store } from '../store/store';
import type { MailboxTokens } from './mailbox-tokens';

/**
 * Keeps idle grants alive: Entra drops a refresh token unused for 90 days, and a paused mailbox (or one whose
 * syncs need no new access token for a while) would lose its grant silently. Well before that, the keep-alive
 * redeems the refresh token (a forced refresh, which Entra answers with a rotated one). Each round also logs
 * every credential warning once per process and level, so the logs say it before the pane is opened.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TokenKeepAliveOptions {
  /** A grant unused this long is refreshed (default 60 days: a month before Entra's 90). */
  keepAliveAfterMs: number;
  /** How often the round runs (default hourly). */
  intervalMs: number;
  appCredential: AppCredentialInfo;
}

export const DEFAULT_KEEPALIVE_OPTIONS: TokenKeepAliveOptions = { keepAliveAfterMs: 60 * DAY_MS, intervalMs: 60 * 60 * 1000, appCredential: SANDBOX_APP_CREDENTIAL };

export class TokenKeepAlive {
  private readonly options: TokenKeepAliveOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** "<mailbox>:<kind>:<level>" already logged by this process. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly tokens: Pick<MailboxTokens, 'accessToken'>,
    private readonly logger: Logger,
    options: Partial<TokenKeepAliveOptions> = {},
  ) {
    this.options = { ...DEFAULT_KEEPALIVE_OPTIONS, ...options };
  }

  /** Runs a round now (the start-up warnings) and then every interval; the timer never holds the process open. */
  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round; a round already running is joined, not doubled. Never throws: the next round tries again. */
  runOnce(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      await this.refreshIdle();
      await this.logWarnings();
    } catch (error) {
      this.logger.warn({ err: error }, 'token keep-alive round failed');
    }
  }

  private async refreshIdle(): Promise<void> {
    const before = new Date(Date.now() - this.options.keepAliveAfterMs).toISOString();
    for (const mailbox of await this.store.mailboxes.listIdleGrants(before)) {
      try {
        // Forced: a cached access token would not touch the refresh token. MailboxTokens records the use.
        await this.tokens.accessToken(mailbox.id, { forceRefresh: true });
        this.logger.info({ mailbox: mailbox.address, lastUsedAt: mailbox.refresh_token_used_at }, 'refreshed an idle grant before Entra drops it');
      } catch (error) {
        // needs_reauth is recorded by MailboxTokens (and shown in the pane); anything else is tried next round.
        this.logger.warn({ mailbox: mailbox.address, err: error }, 'could not refresh an idle grant');
      }
    }
  }

  private async logWarnings(): Promise<void> {
    for (const mailbox of (await this.store.mailboxes.list()).filter((m) => m.state !== 'unlinked')) {
      for (const warning of credentialHealth(mailbox, this.options.appCredential).warnings) {
        // The app's own credential is one warning, not one per mailbox.
        const subject = warning.kind === 'client_secret_expiring' || warning.kind === 'certificate_expiring' ? 'app' : mailbox.address;
        const key = `${subject}:${warning.kind}:${warning.level}`;
        if (this.warned.has(key)) continue;
        this.warned.add(key);
        this.logger.warn({ mailbox: subject === 'app' ? undefined : mailbox.address, kind: warning.kind, warningLevel: warning.level, daysLeft: warning.daysLeft }, `credential warning: ${warning.message}`);
      }
    }
  }
}
