import { createGraphClient } from '../graph/client';
import { GraphRequestError } from '../graph/errors';
import { probeInbox, probeSendAs } from '../graph/mailbox-probe';
import type { Logger } from '../logger';
import type { AppScope } from '../mailboxes/mailbox-access';
import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import { normalizeEmail } from '../store/repositories/users';
import type { AppToken, AppTokens } from './app-tokens';
import { LinkError } from './link-errors';
import { firstSyncColumns, linkableMailbox } from './mailbox-linking';
import type { MicrosoftApp } from './microsoft-app';
import { MULTI_TENANT_SEGMENTS } from './microsoft-hosts';

export interface ScopeCheck {
  /** The address that must stay out of the app's reach; default the signed-in admin's own. */
  outOfScopeAddress?: string | undefined;
  /** Link even when that address is readable: the admin accepts an app that holds every mailbox. */
  acceptTenantWide?: boolean | undefined;
}

export interface AppOnlyLinkRequest extends ScopeCheck {
  address: string;
  /** Who links (for the audit), and the admin's own address (the default out-of-scope mailbox). */
  actor: string;
  actorAddress: string;
  firstSync?: 'ask' | 'all_unread';
}

/**
 * Links a mailbox in application mode: no sign-in, the app's own token for the mailbox's tenant. Before the
 * mailbox becomes active Relaydesk proves three things with that token: it reads the mailbox's Inbox, it may
 * send as the mailbox (a send with no recipient, which emails nobody), and it cannot read a mailbox outside
 * the allowed set. The last one is what keeps an app registration from quietly holding the whole tenant:
 * Entra-consented Mail application permissions reach every mailbox, Exchange's RBAC for Applications
 * reaches only a scope.
 */
export class AppOnlyLinking {
  constructor(
    private readonly app: MicrosoftApp,
    private readonly appTokens: AppTokens,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly hooks: { onActivated?: (mailbox: MailboxRow) => void; onTokensChanged?: (mailboxId: number) => void } = {},
  ) {}

  async link(request: AppOnlyLinkRequest): Promise<MailboxRow> {
    const address = normalizeEmail(request.address);
    const existing = await linkableMailbox(this.store, address);
    const proof = await this.prove(address, request.actorAddress, request);
    const columns = { ...this.linkedColumns(proof, request.actor, 'active'), ...firstSyncColumns(existing, request.firstSync === 'ask') };
    const linked = await this.store.transaction(async (repos) => {
      const id = existing?.id ?? (await repos.mailboxes.insert(address, null, 'pending', { firstSync: request.firstSync === 'ask' ? null : 'all_unread' })).id;
      const row = await repos.mailboxes.update(id, columns);
      await repos.audit.record({ actor: request.actor, action: 'mailbox.linked', targetType: 'mailbox', targetId: row.id, details: { address, mode: 'application', scope: proof.scope, probe: proof.probe } });
      return row;
    });
    return this.activated(linked, 'linked');
  }

  /** True when the mailbox is linked in application mode (its re-authorization is a re-check). */
  async isAppOnly(mailboxId: number): Promise<boolean> {
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    return mailbox?.auth_mode === 'application' && mailbox.state !== 'unlinked';
  }

  /** Proves the access again (after a scope change, or to leave needs_reauth); a paused mailbox stays paused. */
  async recheck(mailboxId: number, request: { actor: string; actorAddress: string } & ScopeCheck): Promise<MailboxRow> {
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    if (!mailbox || mailbox.state === 'unlinked' || mailbox.auth_mode !== 'application') throw new LinkError('not_found', `Mailbox ${mailboxId} is not linked in application mode`);
    const probeDefault = mailbox.app_scope_probe ?? request.actorAddress;
    const proof = await this.prove(mailbox.address, probeDefault, request, mailbox.id).catch(async (error: unknown) => {
      if (error instanceof LinkError) await this.store.audit.record({ actor: request.actor, action: 'mailbox.recheck_refused', targetType: 'mailbox', targetId: mailbox.id, details: { code: error.code } });
      throw error;
    });
    const linked = await this.store.transaction(async (repos) => {
      const row = await repos.mailboxes.update(mailbox.id, this.linkedColumns(proof, mailbox.linked_by ?? request.actor, mailbox.state === 'paused' ? 'paused' : 'active'));
      await repos.audit.record({ actor: request.actor, action: 'mailbox.access_rechecked', targetType: 'mailbox', targetId: mailbox.id, details: { scope: proof.scope, probe: proof.probe } });
      return row;
    });
    return this.activated(linked, 'access re-checked');
  }

  private async activated(row: MailboxRow, what: string): Promise<MailboxRow> {
    this.hooks.onTokensChanged?.(row.id);
    this.logger.info({ mailbox: row.address, tenant: row.tenant, scope: row.app_scope }, `mailbox ${what} (application mode)`);
    if (row.state === 'active') this.hooks.onActivated?.(row);
    return row;
  }

  private linkedColumns(proof: Proof, linkedBy: string, state: 'active' | 'paused') {
    const now = new Date().toISOString();
    return {
      state,
      state_reason: null,
      auth_mode: 'application' as const,
      tenant: proof.tenantId,
      app_scope: proof.scope,
      app_scope_probe: proof.probe,
      app_scope_checked_at: now,
      // Nothing per mailbox: the app's token lives in memory only, and there is no refresh token to keep.
      token_cache: null,
      home_account_id: null,
      grant_issued_at: null,
      refresh_token_used_at: null,
      linked_by: linkedBy,
      linked_at: now,
      last_error_code: null,
      last_error_message: null,
      consecutive_failures: 0,
      failure_class: null,
      failing_since: null,
    };
  }

  private async prove(address: string, defaultProbe: string, check: ScopeCheck, selfId?: number): Promise<Proof> {
    const token = await this.tokenFor(address);
    const graph = createGraphClient(this.app.graph, async () => token.token);
    try {
      await probeInbox(graph, address);
    } catch (error) {
      throw accessFailure(error, address, 'read');
    }
    try {
      await probeSendAs(graph, address);
    } catch (error) {
      throw accessFailure(error, address, 'send');
    }
    const probe = normalizeEmail(check.outOfScopeAddress ?? defaultProbe);
    const scope = await this.scopeOf(graph, address, probe, selfId);
    if (scope === 'tenant_wide' && !check.acceptTenantWide) {
      throw new LinkError(
        'app_not_scoped',
        `The app could read ${probe}, a mailbox it should not reach: it holds every mailbox of the tenant. Remove the app's Mail application permissions in Entra and grant them through RBAC for Applications scoped to the support mailboxes, or link anyway as tenant-wide.`,
        { probe },
      );
    }
    return { tenantId: token.tenantId, scope, probe };
  }

  /** The app token for the mailbox's tenant: the configured one, or (multi-tenant app) the address's domain. */
  private async tokenFor(address: string): Promise<AppToken> {
    const tenant = MULTI_TENANT_SEGMENTS.has(this.app.tenant.toLowerCase()) ? address.split('@')[1] ?? '' : this.app.tenant;
    try {
      return await this.appTokens.token(tenant);
    } catch (error) {
      throw new LinkError('identity_refused', `Microsoft gave the app no token for ${tenant}: ${(error as Error).message}`, { tenant });
    }
  }

  private async scopeOf(graph: GraphClient, address: string, probe: string, selfId?: number): Promise<AppScope> {
    const linkedAsApp = await this.store.mailboxes.findByAddress(probe);
    if (probe === address || (linkedAsApp && linkedAsApp.id !== selfId && linkedAsApp.auth_mode === 'application' && linkedAsApp.state !== 'unlinked')) {
      throw new LinkError('scope_probe_inconclusive', `${probe} is a mailbox the app is meant to reach; name one that must stay out of its reach`, { probe });
    }
    try {
      await probeInbox(graph, probe);
      return 'tenant_wide';
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 403) return 'scoped';
      if (error instanceof GraphRequestError && error.status === 404) {
        throw new LinkError('scope_probe_inconclusive', `Microsoft Graph finds no mailbox ${probe} (${error.graphCode}), so it proves nothing; name an existing mailbox outside the app's scope`, { probe });
      }
      throw accessFailure(error, probe, 'read');
    }
  }
}

type GraphClient = ReturnType<typeof createGraphClient>;

interface Proof {
  tenantId: string;
  scope: AppScope;
  probe: string;
}

function accessFailure(error: unknown, address: string, what: 'read' | 'send'): LinkError {
  if (!(error instanceof GraphRequestError)) return new LinkError('graph_unreachable', `Could not reach Microsoft Graph to prove access to ${address}; try again`);
  if (error.status === 404) {
    return new LinkError('mailbox_unavailable', `Microsoft Graph cannot serve ${address} (${error.graphCode}): check the address; on-premises, inactive or soft-deleted mailboxes cannot be linked`, { graphCode: error.graphCode });
  }
  if (error.status === 403 || error.status === 401) {
    return what === 'read'
      ? new LinkError('mailbox_access_denied', `The app may not read ${address}'s inbox (${error.graphCode}): add the mailbox to the app's scope (Application Mail.ReadWrite) and try again; Exchange can take up to two hours to apply a change`, { graphCode: error.graphCode })
      : new LinkError('mailbox_send_denied', `The app may read ${address} but not send as it (${error.graphCode}): assign it Application Mail.Send for this mailbox and try again`, { graphCode: error.graphCode });
  }
  return new LinkError('graph_unreachable', `Could not prove access to ${address} (${error.graphCode}); try again`, { graphCode: error.graphCode });
}
