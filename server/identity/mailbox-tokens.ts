import type { ConfidentialClientApplication, ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { classifyIdentityError, tokenFailureCode } from '../graph/failure-policy';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import type { AppTokens } from './app-tokens';
import { MailboxAuthError } from './mailbox-auth-error';
import { createConfidentialClient, MAILBOX_TOKEN_SCOPES, type MicrosoftApp } from './microsoft-app';
import type { TokenVault } from './token-vault';

export { MailboxAuthError, type MailboxAuthErrorCode } from './mailbox-auth-error';

/** Tokens are renewed this long before they expire, so none expires in the middle of a sync. */
const TOKEN_EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/**
 * Access tokens for linked mailboxes. A mailbox linked in application mode is served by the app's own token
 * for its tenant (AppTokens), shared with the tenant's other such mailboxes.
 *
 * A delegated mailbox's MSAL token cache lives only in the database, sealed by
 * the vault: it is read before every cache access (so a refresh token rotated by another instance is picked
 * up) and written back the moment MSAL changes it (so a rotated refresh token is never lost).
 */
export class MailboxTokens {
  constructor(
    private readonly app: MicrosoftApp,
    private readonly store: Store,
    private readonly vault: TokenVault,
    private readonly logger: Logger,
    private readonly appTokens?: AppTokens,
  ) {}

  /** Mailboxes linked in application mode, by id: the tenant whose app token serves each. */
  private readonly appTenants = new Map<number, string | null>();

  /** One MSAL client per mailbox, so MSAL's discovery of the authority happens once, not per token. */
  private readonly clients = new Map<number, ConfidentialClientApplication>();
  /** Access tokens in memory: most Graph calls need no MSAL, database or vault work at all. */
  private readonly issued = new Map<number, { token: string; expiresAt: number }>();
  /**
   * One acquisition per mailbox at a time: callers share it, so an Entra outage costs one token request per
   * round of callers, not one per caller, and two refreshes never race.
   */
  private readonly pending = new Map<number, { acquisition: Promise<string>; forced: boolean }>();
  /**
   * Mailboxes whose token Graph refused and whose forced refresh did not complete (Entra was unavailable):
   * MSAL still holds the refused token as valid, so the next caller refreshes instead of trying it again.
   */
  private readonly refused = new Set<number>();

  /** An access token for Graph on behalf of the mailbox; refreshes silently when needed. */
  async accessToken(mailboxId: number, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const tenant = await this.appTenantOf(mailboxId);
    if (tenant) return (await this.appTokens!.token(tenant, { forceRefresh: options.forceRefresh ?? false })).token;
    const forceRefresh = (options.forceRefresh ?? false) || this.refused.has(mailboxId);
    const held = this.issued.get(mailboxId);
    if (!forceRefresh && held && held.expiresAt - TOKEN_EXPIRY_MARGIN_MS > Date.now()) return held.token;
    const inFlight = this.pending.get(mailboxId);
    if (inFlight && (inFlight.forced || !forceRefresh)) return inFlight.acquisition;
    if (forceRefresh) this.refused.add(mailboxId);
    const acquisition = this.acquire(mailboxId, forceRefresh).finally(() => {
      if (this.pending.get(mailboxId)?.acquisition === acquisition) this.pending.delete(mailboxId);
    });
    this.pending.set(mailboxId, { acquisition, forced: forceRefresh });
    return acquisition;
  }

  /** Drops what this process holds for a mailbox (after unlinking or re-authorization). */
  forget(mailboxId: number): void {
    this.appTenants.delete(mailboxId);
    this.clients.delete(mailboxId);
    this.issued.delete(mailboxId);
    this.refused.delete(mailboxId);
  }

  /** The tenant of a mailbox linked in application mode; null for a delegated one. Read once, until forget(). */
  private async appTenantOf(mailboxId: number): Promise<string | null> {
    const known = this.appTenants.get(mailboxId);
    if (known !== undefined) return known;
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    if (mailbox?.auth_mode !== 'application') {
      // Not cached while unknown or unlinked: linking may make it an application-mode mailbox.
      if (mailbox && mailbox.state !== 'unlinked' && mailbox.state !== 'pending') this.appTenants.set(mailboxId, null);
      return null;
    }
    if (!mailbox.tenant || mailbox.state === 'unlinked' || mailbox.state === 'pending') throw new MailboxAuthError('mailbox_not_linked', `Mailbox ${mailboxId} is not linked`);
    if (mailbox.state === 'needs_reauth') throw new MailboxAuthError('needs_reauth', `${mailbox.address} needs its access re-checked: ${mailbox.state_reason ?? 'access withdrawn'}`);
    if (!this.appTokens) throw new MailboxAuthError('mailbox_not_linked', `${mailbox.address} is linked in application mode, which this server is not set up for`);
    this.appTenants.set(mailboxId, mailbox.tenant);
    return mailbox.tenant;
  }

  private async acquire(mailboxId: number, forceRefresh: boolean): Promise<string> {
    this.issued.delete(mailboxId);
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    if (!mailbox || !mailbox.token_cache || !mailbox.home_account_id || mailbox.state === 'unlinked') {
      throw new MailboxAuthError('mailbox_not_linked', `Mailbox ${mailboxId} has no tokens; link it first`);
    }
    if (mailbox.state === 'needs_reauth') {
      throw new MailboxAuthError('needs_reauth', `${mailbox.address} needs re-authorization: ${mailbox.state_reason ?? 'grant revoked'}`);
    }
    const client = this.clientFor(mailboxId);
    const account = await client.getTokenCache().getAccountByHomeId(mailbox.home_account_id);
    if (!account) throw await this.needsReauth(mailboxId, mailbox.address, 'The stored token cache has no account for this mailbox');
    try {
      const result = await client.acquireTokenSilent({ account, scopes: MAILBOX_TOKEN_SCOPES, forceRefresh });
      this.issued.set(mailboxId, { token: result.accessToken, expiresAt: result.expiresOn?.getTime() ?? Date.now() });
      this.refused.delete(mailboxId);
      // Not from the cache: MSAL went to Entra with the refresh token, which Entra accepted and rotated, so its
      // 90-day idle clock restarts (credential-health.ts warns before it runs out; token-keepalive.ts prevents it).
      // A failed write only delays the warning's reset: the token is good, so the caller gets it.
      if (!result.fromCache) await this.store.mailboxes.recordRefreshTokenUse(mailboxId).catch((error: unknown) => this.logger.warn({ mailbox: mailbox.address, err: error }, 'could not record the refresh token use'));
      return result.accessToken;
    } catch (error) {
      const failure = classifyIdentityError(error);
      if (failure.kind === 'grant_lost') {
        throw await this.needsReauth(mailboxId, mailbox.address, `Microsoft refused the stored grant (${failure.message}); an admin must re-authorize`, failure.aadsts);
      }
      // Anything else (Entra unavailable, a gateway, the network, the app's own credentials) keeps the grant:
      // the mailbox stays linked and its callers try again later.
      this.logger.warn({ mailbox: mailbox.address, code: failure.code, aadsts: failure.aadsts, failureClass: failure.kind }, 'could not get a token from Microsoft');
      throw new MailboxAuthError(tokenFailureCode(failure.kind), `Could not get a token for ${mailbox.address} from Microsoft (${failure.message})`, failure.aadsts, failure);
    }
  }

  private clientFor(mailboxId: number): ConfidentialClientApplication {
    let client = this.clients.get(mailboxId);
    if (!client) {
      client = createConfidentialClient(this.app, this.cachePlugin(mailboxId));
      this.clients.set(mailboxId, client);
    }
    return client;
  }

  private cachePlugin(mailboxId: number): ICachePlugin {
    return {
      beforeCacheAccess: async (context: TokenCacheContext) => {
        const mailbox = await this.store.mailboxes.findById(mailboxId);
        if (mailbox?.token_cache) context.tokenCache.deserialize(this.vault.decrypt(mailbox.token_cache, { mailboxId, field: 'token_cache' }));
      },
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (!context.cacheHasChanged) return;
        await this.store.mailboxes.update(mailboxId, { token_cache: this.vault.encrypt(context.tokenCache.serialize(), { mailboxId, field: 'token_cache' }) });
      },
    };
  }

  private async needsReauth(mailboxId: number, address: string, reason: string, aadsts?: string): Promise<MailboxAuthError> {
    this.forget(mailboxId);
    await this.store.mailboxes.update(mailboxId, { state: 'needs_reauth', state_reason: reason, last_error_code: aadsts ?? 'invalid_grant', last_error_message: reason });
    this.logger.warn({ mailbox: address, aadsts }, 'mailbox needs re-authorization');
    return new MailboxAuthError('needs_reauth', reason, aadsts);
  }
}

