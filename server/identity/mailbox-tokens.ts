import { AuthError, InteractionRequiredAuthError, type ConfidentialClientApplication, type ICachePlugin, type TokenCacheContext } from '@azure/msal-node';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { createConfidentialClient, MAILBOX_TOKEN_SCOPES, type MicrosoftApp } from './microsoft-app';
import type { TokenVault } from './token-vault';

export type MailboxAuthErrorCode = 'mailbox_not_linked' | 'needs_reauth';

/** Tokens are renewed this long before they expire, so none expires in the middle of a sync. */
const TOKEN_EXPIRY_MARGIN_MS = 5 * 60 * 1000;

export class MailboxAuthError extends Error {
  constructor(readonly code: MailboxAuthErrorCode, message: string, readonly aadstsCode?: string) {
    super(message);
    this.name = 'MailboxAuthError';
  }
}

/**
 * Access tokens for linked mailboxes. Each mailbox's MSAL token cache lives only in the database, sealed by
 * the vault: it is read before every cache access (so a refresh token rotated by another instance is picked
 * up) and written back the moment MSAL changes it (so a rotated refresh token is never lost).
 */
export class MailboxTokens {
  constructor(
    private readonly app: MicrosoftApp,
    private readonly store: Store,
    private readonly vault: TokenVault,
    private readonly logger: Logger,
  ) {}

  /** One MSAL client per mailbox, so MSAL's discovery of the authority happens once, not per token. */
  private readonly clients = new Map<number, ConfidentialClientApplication>();
  /** Access tokens in memory: most Graph calls need no MSAL, database or vault work at all. */
  private readonly issued = new Map<number, { token: string; expiresAt: number }>();
  /** One acquisition per mailbox at a time: two refreshes racing with a rotating refresh token lose the grant. */
  private readonly pending = new Map<number, Promise<string>>();

  /** An access token for Graph on behalf of the mailbox; refreshes silently when needed. */
  async accessToken(mailboxId: number, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const forceRefresh = options.forceRefresh ?? false;
    const held = this.issued.get(mailboxId);
    if (!forceRefresh && held && held.expiresAt - TOKEN_EXPIRY_MARGIN_MS > Date.now()) return held.token;
    const inFlight = this.pending.get(mailboxId);
    if (inFlight && !forceRefresh) return inFlight;
    const acquisition = this.acquire(mailboxId, forceRefresh).finally(() => {
      if (this.pending.get(mailboxId) === acquisition) this.pending.delete(mailboxId);
    });
    this.pending.set(mailboxId, acquisition);
    return acquisition;
  }

  /** Drops what this process holds for a mailbox (after unlinking or re-authorization). */
  forget(mailboxId: number): void {
    this.clients.delete(mailboxId);
    this.issued.delete(mailboxId);
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
      return result.accessToken;
    } catch (error) {
      if (isGrantLost(error)) {
        const aadsts = aadstsCode(error);
        throw await this.needsReauth(mailboxId, mailbox.address, `Microsoft refused the stored grant (${aadsts ?? (error as AuthError).errorCode}); an admin must re-authorize`, aadsts);
      }
      throw error;
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

/** invalid_grant (revoked, expired) or any "interaction required": only an admin's new consent helps. */
function isGrantLost(error: unknown): boolean {
  if (error instanceof InteractionRequiredAuthError) return true;
  return error instanceof AuthError && (error.errorCode === 'invalid_grant' || error.errorCode === 'interaction_required' || error.errorCode === 'consent_required');
}

function aadstsCode(error: unknown): string | undefined {
  const text = error instanceof AuthError ? `${error.errorMessage} ${(error as { subError?: string }).subError ?? ''}` : '';
  return /AADSTS\d+/.exec(text)?.[0];
}
