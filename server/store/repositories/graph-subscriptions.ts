import type { Kysely } from 'kysely';
import type { DB, GraphSubscriptionRow } from '../schema';
import { nowIso } from '../sql-helpers';

/** Each mailbox's Graph subscription on its Inbox (one at most). */
export class GraphSubscriptionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  forMailbox(mailboxId: number): Promise<GraphSubscriptionRow | undefined> {
    return this.db.selectFrom('graph_subscriptions').selectAll().where('mailbox_id', '=', mailboxId).executeTakeFirst();
  }

  bySubscriptionId(subscriptionId: string): Promise<GraphSubscriptionRow | undefined> {
    return this.db.selectFrom('graph_subscriptions').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
  }

  /** Records a new subscription for the mailbox, replacing the one it had. */
  async save(row: { mailboxId: number; subscriptionId: string; clientStateHash: string; expiresAt: string; renewDueAt: string }): Promise<void> {
    const now = nowIso();
    await this.db.deleteFrom('graph_subscriptions').where('mailbox_id', '=', row.mailboxId).execute();
    await this.db
      .insertInto('graph_subscriptions')
      .values({ mailbox_id: row.mailboxId, subscription_id: row.subscriptionId, client_state_hash: row.clientStateHash, expires_at: row.expiresAt, renew_due_at: row.renewDueAt, created_at: now, renewed_at: null })
      .execute();
  }

  async renewed(subscriptionId: string, expiresAt: string, renewDueAt: string): Promise<void> {
    await this.db.updateTable('graph_subscriptions').set({ expires_at: expiresAt, renew_due_at: renewDueAt, renewed_at: nowIso() }).where('subscription_id', '=', subscriptionId).execute();
  }

  /** reauthorizationRequired: the lease holder renews at its next turn. */
  async renewNow(subscriptionId: string): Promise<void> {
    await this.db.updateTable('graph_subscriptions').set({ renew_due_at: nowIso() }).where('subscription_id', '=', subscriptionId).execute();
  }

  async remove(subscriptionId: string): Promise<void> {
    await this.db.deleteFrom('graph_subscriptions').where('subscription_id', '=', subscriptionId).execute();
  }

  async removeForMailbox(mailboxId: number): Promise<void> {
    await this.db.deleteFrom('graph_subscriptions').where('mailbox_id', '=', mailboxId).execute();
  }
}
