import type { Kysely } from 'kysely';
import type { DB, LinkPurpose, OauthLinkRow } from '../schema';
import { nowIso } from '../sql-helpers';

export interface NewOauthLink {
  stateHash: string;
  mailboxId: number;
  purpose: LinkPurpose;
  codeVerifierSealed: string;
  nonce: string;
  requestedBy: string;
  expiresAt: string;
}

export type ConsumeResult = { kind: 'ok'; link: OauthLinkRow } | { kind: 'unknown' } | { kind: 'used'; link: OauthLinkRow } | { kind: 'expired'; link: OauthLinkRow };

export class OauthLinksRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(link: NewOauthLink): Promise<OauthLinkRow> {
    return this.db
      .insertInto('oauth_links')
      .values({
        state_hash: link.stateHash,
        mailbox_id: link.mailboxId,
        purpose: link.purpose,
        code_verifier: link.codeVerifierSealed,
        nonce: link.nonce,
        requested_by: link.requestedBy,
        created_at: nowIso(),
        expires_at: link.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Marks the link used and returns it, exactly once: the conditional update means two callbacks racing
   * with the same state cannot both succeed.
   */
  async consume(stateHash: string, now = nowIso()): Promise<ConsumeResult> {
    const link = await this.db.selectFrom('oauth_links').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
    if (!link) return { kind: 'unknown' };
    if (link.used_at) return { kind: 'used', link };
    const claimed = await this.db
      .updateTable('oauth_links')
      .set({ used_at: now })
      .where('id', '=', link.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return { kind: 'used', link };
    if (link.expires_at <= now) return { kind: 'expired', link };
    return { kind: 'ok', link: { ...link, used_at: now } };
  }

  async recordOutcome(id: number, outcome: string): Promise<void> {
    await this.db.updateTable('oauth_links').set({ outcome }).where('id', '=', id).execute();
  }
}
