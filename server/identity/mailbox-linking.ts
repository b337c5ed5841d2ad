import { createHash, randomBytes } from 'node:crypto';
import { CryptoProvider, type AuthenticationResult } from '@azure/msal-node';
import { createGraphClient } from '../graph/client';
import { GraphRequestError } from '../graph/errors';
import { mailboxOwnerId, probeInbox } from '../graph/mailbox-probe';
import type { Logger } from '../logger';
import type { LinkPurpose, MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import { normalizeEmail } from '../store/repositories/users';
import { readSettings } from '../tickets/settings';
import { LinkError } from './link-errors';
import { createConfidentialClient, MAILBOX_SCOPES, type MicrosoftApp } from './microsoft-app';
import type { TokenVault } from './token-vault';

/** Microsoft's authorization codes live about 10 minutes; a link attempt lives as long. */
export const LINK_TTL_MS = 10 * 60 * 1000;
const LINKED_STATES = new Set(['active', 'paused', 'needs_reauth']);

export interface CallbackParams {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
  errorDescription?: string | undefined;
}

export interface LinkStarted {
  mailbox: MailboxRow;
  authorizeUrl: string;
}

/**
 * Admin consent for a mailbox: authorization code with PKCE and a single-use state, then two checks before
 * anything is stored: the account that consented owns the mailbox, and Graph can serve the mailbox; only
 * then is the sealed token cache saved and the mailbox activated.
 *
 * Ownership is decided by object id: the directory user the mailbox's address resolves to (Graph
 * `/users/{address}`) must be the signed-in account (the ID token's `oid`). Names cannot decide it: the
 * sign-in name (UPN, `preferred_username`) of a mailbox's owner need not be its SMTP address, and another
 * account that merely may open the mailbox is still another account, whose consent would make Relaydesk act
 * as that person. Such a sign-in is refused as `wrong_account`.
 */
export class MailboxLinking {
  private readonly crypto = new CryptoProvider();

  constructor(
    private readonly app: MicrosoftApp,
    private readonly redirectUri: string,
    private readonly store: Store,
    private readonly vault: TokenVault,
    private readonly logger: Logger,
    private readonly onActivated: (mailbox: MailboxRow) => void = () => undefined,
    private readonly options: {
      linkTtlMs?: number;
      /** Called when a mailbox's tokens were replaced or deleted, so in-memory copies are dropped. */
      onTokensChanged?: (mailboxId: number) => void;
    } = {},
  ) {}

  /** `firstSync: 'ask'` stores the mailbox awaiting the admin's first-sync choice (never synced until then). */
  async start(addressInput: string, actor: string, options: { firstSync?: 'ask' | 'all_unread' } = {}): Promise<LinkStarted> {
    const address = normalizeEmail(addressInput);
    const existing = await linkableMailbox(this.store, address);
    const ask = options.firstSync === 'ask';
    const firstSync = firstSyncColumns(existing, ask);
    const mailbox = existing
      ? await this.store.mailboxes.update(existing.id, { state: 'pending', state_reason: 'waiting for consent', ...firstSync })
      : await this.store.mailboxes.insert(address, null, 'pending', { firstSync: ask ? null : 'all_unread' });
    const authorizeUrl = await this.createLink(mailbox, 'link', actor);
    await this.store.audit.record({ actor, action: 'mailbox.link_started', targetType: 'mailbox', targetId: mailbox.id, details: { address } });
    return { mailbox, authorizeUrl };
  }

  async reauthorize(mailboxId: number, actor: string): Promise<LinkStarted> {
    const mailbox = await this.linkedMailbox(mailboxId);
    const authorizeUrl = await this.createLink(mailbox, 'reauthorize', actor);
    await this.store.audit.record({ actor, action: 'mailbox.reauthorize_started', targetType: 'mailbox', targetId: mailbox.id });
    return { mailbox, authorizeUrl };
  }

  /** The OAuth redirect. Returns the linked mailbox or throws a LinkError saying why nothing was linked. */
  async complete(params: CallbackParams): Promise<{ mailbox: MailboxRow; purpose: LinkPurpose; signedInAs: string }> {
    if (!params.state) throw new LinkError('link_state_missing', 'The sign-in response has no state; start the link again from Relaydesk');
    const consumed = await this.store.oauthLinks.consume(hashState(params.state));
    if (consumed.kind === 'unknown') throw new LinkError('link_state_unknown', 'This sign-in response does not belong to any link started in Relaydesk');
    if (consumed.kind === 'used') throw new LinkError('link_state_used', 'This sign-in response was already used; start the link again');
    if (consumed.kind === 'expired') throw new LinkError('link_state_expired', 'The link request expired (10 minutes); start the link again');
    const link = consumed.link;
    const fail = async (error: LinkError): Promise<never> => {
      await this.store.oauthLinks.recordOutcome(link.id, error.code);
      await this.store.audit.record({ actor: link.requested_by, action: 'mailbox.link_refused', targetType: 'mailbox', targetId: link.mailbox_id, details: { code: error.code, ...error.details } });
      throw error;
    };

    const mailbox = await this.store.mailboxes.findById(link.mailbox_id);
    if (!mailbox || mailbox.state === 'unlinked') return fail(new LinkError('invalid_mailbox_state', 'The mailbox was unlinked while consent was pending'));
    if (params.error) {
      return fail(
        params.error === 'access_denied'
          ? new LinkError('consent_cancelled', 'Consent was cancelled at Microsoft; nothing was linked')
          : new LinkError('consent_failed', `Microsoft did not grant consent: ${params.error} ${/AADSTS\d+/.exec(params.errorDescription ?? '')?.[0] ?? ''}`.trim(), { error: params.error }),
      );
    }
    if (!params.code) return fail(new LinkError('consent_failed', 'The sign-in response has neither a code nor an error'));

    let result: AuthenticationResult;
    const client = createConfidentialClient(this.app);
    try {
      result = await client.acquireTokenByCode({
        code: params.code,
        scopes: MAILBOX_SCOPES.filter((s) => s !== 'offline_access'),
        redirectUri: this.redirectUri,
        codeVerifier: this.vault.decrypt(link.code_verifier, { mailboxId: link.mailbox_id, field: 'code_verifier' }),
        nonce: link.nonce,
      });
    } catch (error) {
      this.logger.warn({ err: error, mailbox: mailbox.address }, 'authorization code exchange failed');
      return fail(new LinkError('consent_failed', `Microsoft refused the authorization code: ${(error as { errorCode?: string }).errorCode ?? 'unknown error'}`));
    }
    const signedInAs = normalizeEmail(result.account?.username ?? '');
    if (!result.account) return fail(new LinkError('consent_failed', 'Microsoft returned no account for the sign-in'));
    // The ID token's: Graph's access token is not the client's to read.
    const claims = result.idTokenClaims as { oid?: unknown };
    const signedInOid = typeof claims.oid === 'string' ? claims.oid : undefined;
    if (!signedInOid) return fail(new LinkError('consent_failed', 'Microsoft returned no object id for the account that signed in'));

    const graph = createGraphClient(this.app.graph, async () => result.accessToken);
    let ownerId: string | undefined;
    try {
      ownerId = await mailboxOwnerId(graph, mailbox.address);
    } catch (error) {
      // Not found, or another user the account may not look up: either way the address is not this account's.
      if (!(error instanceof GraphRequestError && (error.status === 404 || error.status === 403))) return fail(probeFailure(error, mailbox.address));
    }
    if (ownerId?.toLowerCase() !== signedInOid.toLowerCase()) {
      // Signed into another account: the classic wrong-browser-session link.
      return fail(
        new LinkError('wrong_account', `You signed in as ${signedInAs}, but the link is for ${mailbox.address}; nothing was linked. Sign in with the account that owns ${mailbox.address}.`, {
          signedInAs,
          requested: mailbox.address,
        }),
      );
    }
    try {
      await probeInbox(graph, mailbox.address);
    } catch (error) {
      return fail(probeFailure(error, mailbox.address));
    }

    const reactivate = link.purpose === 'reauthorize' && mailbox.state === 'paused' ? 'paused' : 'active';
    const linked = await this.store.transaction(async (repos) => {
      const row = await repos.mailboxes.update(mailbox.id, {
        state: reactivate,
        state_reason: null,
        token_cache: this.vault.encrypt(client.getTokenCache().serialize(), { mailboxId: mailbox.id, field: 'token_cache' }),
        home_account_id: result.account?.homeAccountId ?? null,
        auth_mode: 'delegated',
        tenant: null,
        app_scope: null,
        app_scope_probe: null,
        app_scope_checked_at: null,
        linked_by: link.requested_by,
        linked_at: new Date().toISOString(),
        grant_issued_at: new Date().toISOString(),
        last_error_code: null,
        last_error_message: null,
        consecutive_failures: 0,
        failure_class: null,
        failing_since: null,
      });
      await repos.oauthLinks.recordOutcome(link.id, 'linked');
      await repos.audit.record({
        actor: link.requested_by,
        action: link.purpose === 'link' ? 'mailbox.linked' : 'mailbox.reauthorized',
        targetType: 'mailbox',
        targetId: mailbox.id,
        details: { address: mailbox.address, signedInAs },
      });
      return row;
    });
    this.options.onTokensChanged?.(linked.id);
    this.logger.info({ mailbox: linked.address, signedInAs, purpose: link.purpose }, 'mailbox linked');
    if (linked.state === 'active') this.onActivated(linked);
    return { mailbox: linked, purpose: link.purpose, signedInAs };
  }

  private async linkedMailbox(mailboxId: number): Promise<MailboxRow> {
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    if (!mailbox || mailbox.state === 'unlinked') throw new LinkError('not_found', `Mailbox ${mailboxId} is not linked`);
    return mailbox;
  }

  private async createLink(mailbox: MailboxRow, purpose: LinkPurpose, actor: string): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    await this.store.oauthLinks.insert({
      stateHash: hashState(state),
      mailboxId: mailbox.id,
      purpose,
      codeVerifierSealed: this.vault.encrypt(verifier, { mailboxId: mailbox.id, field: 'code_verifier' }),
      nonce,
      requestedBy: actor,
      expiresAt: new Date(Date.now() + (this.options.linkTtlMs ?? LINK_TTL_MS)).toISOString(),
    });
    return createConfidentialClient(this.app).getAuthCodeUrl({
      scopes: [...MAILBOX_SCOPES],
      redirectUri: this.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state,
      nonce,
      // Never reuse whatever account the admin's browser is signed into: that is how the wrong mailbox gets linked.
      prompt: 'select_account',
      // MSAL drops loginHint when prompt is select_account; the account picker still uses it to preselect.
      extraQueryParameters: { login_hint: mailbox.address },
      responseMode: 'query',
    });
  }
}

/**
 * What any link (delegated or app-only) requires first: the settings email replies rely on, and no linked
 * mailbox of that address. Returns the unlinked row of an earlier link, if any.
 */
export async function linkableMailbox(store: Store, address: string): Promise<MailboxRow | undefined> {
  const settings = await readSettings(store);
  if (!settings.ccsEnabled || !settings.followersEnabled) {
    throw new LinkError('settings_block_linking', 'Turn on CCs and followers in the helpdesk settings before linking a mailbox: email replies rely on both', { settings });
  }
  const existing = await store.mailboxes.findByAddress(address);
  if (existing && LINKED_STATES.has(existing.state)) {
    throw new LinkError('already_linked', `${address} is already linked (${existing.state}); re-authorize it instead`, { mailboxId: existing.id });
  }
  return existing;
}

/** The columns that set up a mailbox's first sync: awaiting the admin's choice ('ask'), or taking all unread mail. */
export function firstSyncColumns(existing: MailboxRow | undefined, ask: boolean) {
  return ask
    ? { first_sync_mode: null, first_sync_days: null, sync_since: null, backfill_until: null, delta_link: null, delta_synced_at: null }
    : existing?.first_sync_mode === null
      ? { first_sync_mode: 'all_unread' as const }
      : {};
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

function probeFailure(error: unknown, address: string): LinkError {
  if (error instanceof GraphRequestError) {
    if (error.kind === 'not_found') {
      return new LinkError('mailbox_unavailable', `Microsoft Graph cannot serve ${address} (${error.graphCode}): on-premises Exchange, inactive or soft-deleted mailboxes cannot be linked`, { graphCode: error.graphCode });
    }
    if (error.kind === 'permission_missing') {
      return new LinkError('mailbox_access_denied', `The consent does not give access to ${address}'s inbox (${error.graphCode})`, { graphCode: error.graphCode });
    }
    return new LinkError('graph_unreachable', `Could not read ${address}'s inbox to prove access (${error.graphCode}); try again`, { graphCode: error.graphCode });
  }
  return new LinkError('graph_unreachable', `Could not read ${address}'s inbox to prove access; try again`);
}
