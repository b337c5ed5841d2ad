import type { ConfidentialClientApplication } from '@azure/msal-node';
import { classifyIdentityError, tokenFailureCode } from '../graph/failure-policy';
import type { Logger } from '../logger';
import { MailboxAuthError } from './mailbox-auth-error';
import { createConfidentialClient, type MicrosoftApp } from './microsoft-app';

/** The app's application permissions on Graph, as the client credentials flow asks for them. */
export const APP_ONLY_SCOPES = ['https://graph.microsoft.com/.default'];

/** Renewed this long before expiry, as delegated tokens are, so none expires in the middle of a sync. */
const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface AppToken {
  token: string;
  /** The tenant's id (the token's tid), whatever name (domain or GUID) it was asked for by. */
  tenantId: string;
  expiresAt: number;
}

export interface AppTokensOptions {
  /** How long before its expiry a token is replaced. */
  refreshMarginMs?: number;
}

/**
 * The app's own access tokens (client credentials), one per tenant, shared by every mailbox of that tenant
 * linked in application mode. They live only in memory: the flow has no refresh token, and a new token costs
 * one request to Entra, signed with the app's certificate (or secret). Nothing is written to the database.
 */
export class AppTokens {
  private readonly clients = new Map<string, ConfidentialClientApplication>();
  private readonly issued = new Map<string, AppToken>();
  /** One request per tenant at a time: callers share it, so an outage costs one request per round, not per caller. */
  private readonly pending = new Map<string, { acquisition: Promise<AppToken>; forced: boolean }>();
  private requests = 0;

  constructor(
    private readonly app: MicrosoftApp,
    private readonly logger: Logger,
    private readonly options: AppTokensOptions = {},
  ) {}

  /** A token for Graph in `tenant` (a GUID or verified domain); a new one when near expiry or when forced. */
  async token(tenant: string, options: { forceRefresh?: boolean } = {}): Promise<AppToken> {
    const key = tenant.toLowerCase();
    const forceRefresh = options.forceRefresh ?? false;
    const held = this.issued.get(key);
    if (!forceRefresh && held && held.expiresAt - this.refreshMarginMs() > Date.now()) return held;
    const inFlight = this.pending.get(key);
    if (inFlight && (inFlight.forced || !forceRefresh)) return inFlight.acquisition;
    const acquisition = this.acquire(key).finally(() => {
      if (this.pending.get(key)?.acquisition === acquisition) this.pending.delete(key);
    });
    this.pending.set(key, { acquisition, forced: forceRefresh });
    return acquisition;
  }

  /** Token requests sent to Entra since start (the identity cost the benchmarks report). */
  counters(): { requests: number } {
    return { requests: this.requests };
  }

  private refreshMarginMs(): number {
    return this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  }

  private async acquire(tenant: string): Promise<AppToken> {
    this.issued.delete(tenant);
    this.requests += 1;
    try {
      // skipCache: this class decides when a token is renewed; MSAL's own cache would hand back the old one.
      const result = await this.clientFor(tenant).acquireTokenByClientCredential({ scopes: APP_ONLY_SCOPES, skipCache: true });
      if (!result?.accessToken) throw new Error('Microsoft returned no access token');
      const token: AppToken = { token: result.accessToken, tenantId: result.tenantId || tenant, expiresAt: result.expiresOn?.getTime() ?? Date.now() };
      this.issued.set(tenant, token);
      return token;
    } catch (error) {
      const failure = classifyIdentityError(error);
      this.logger.warn({ tenant, code: failure.code, aadsts: failure.aadsts, failureClass: failure.kind }, 'could not get an app token from Microsoft');
      // No grant to lose here: a refusal is the app's own (its certificate, its registration) or the tenant's.
      const kind = failure.kind === 'grant_lost' ? 'permission_missing' : failure.kind;
      throw new MailboxAuthError(tokenFailureCode(kind), `Microsoft gave no app token for tenant ${tenant} (${failure.message})`, failure.aadsts, { ...failure, kind });
    }
  }

  private clientFor(tenant: string): ConfidentialClientApplication {
    let client = this.clients.get(tenant);
    if (!client) {
      client = createConfidentialClient(this.app, undefined, tenant);
      this.clients.set(tenant, client);
    }
    return client;
  }
}
