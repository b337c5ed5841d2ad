import type { MailboxClients } from '../../graph/mailbox-clients';
import { createInboxSubscription, deleteSubscription, renewSubscription } from '../../graph/subscriptions';
import { toGraphRequestError } from '../../graph/errors';
import type { Logger } from '../../logger';
import type { GraphSubscriptionRow, MailboxRow } from '../../store/schema';
import type { Store } from '../../store/store';
import { hashClientState, newClientState } from './client-state';
import { LIFECYCLE_PATH, NOTIFICATION_PATH, type PushSettings } from './push-settings';

/** Longest push_reason kept: Graph's messages are a sentence or two. */
const MAX_REASON = 300;

/**
 * Keeps each mailbox's Inbox subscription alive. Called by the lease holder before each sync (so exactly one
 * instance creates or renews a mailbox's subscription), it never throws: push failing only means the mailbox
 * is polled at the sync interval, with the reason shown as its push state.
 */
export class SubscriptionKeeper {
  constructor(
    private readonly deps: { store: Store; clients: MailboxClients; logger: Logger },
    private readonly settings: PushSettings,
    /** A subscription this process replaced or removed: the intake's cache forgets it. */
    private readonly onForgotten: (subscriptionId: string) => void = () => undefined,
  ) {}

  /** Why push cannot work at all here, or undefined when it can. */
  offReason(): string | undefined {
    if (!this.settings.enabled) return 'Push is turned off (PUSH=off): the mailbox is polled';
    if (!this.settings.publicOrigin.startsWith('https://')) return 'PUBLIC_ORIGIN is not https: Microsoft cannot deliver notifications';
    return undefined;
  }

  async ensure(mailbox: MailboxRow): Promise<void> {
    const log = this.deps.logger.child({ mailbox: mailbox.address });
    try {
      const off = this.offReason();
      const sub = await this.deps.store.subscriptions.forMailbox(mailbox.id);
      if (off) {
        if (sub) await this.drop(mailbox, sub);
        if (mailbox.push_state !== 'off' || mailbox.push_reason !== off) await this.deps.store.mailboxes.update(mailbox.id, { push_state: 'off', push_reason: off });
        return;
      }
      const now = Date.now();
      if (sub && Date.parse(sub.expires_at) > now) {
        if (Date.parse(sub.renew_due_at) <= now) await this.renew(mailbox, sub, log);
        else if (mailbox.push_state !== 'on') await this.deps.store.mailboxes.update(mailbox.id, { push_state: 'on', push_reason: null });
        return;
      }
      if (sub) {
        // Expired unrenewed (every renewal failed): Graph has dropped it.
        await this.deps.store.subscriptions.remove(sub.subscription_id);
        this.onForgotten(sub.subscription_id);
      } else if (mailbox.push_state === 'off' && mailbox.push_checked_at && now - Date.parse(mailbox.push_checked_at) < this.settings.retryMs) {
        return;
      }
      await this.create(mailbox, log);
    } catch (error) {
      log.warn({ err: error }, 'could not look after the push subscription');
    }
  }

  /** Deletes the mailbox's subscription (paused, unlinked, push turned off): best effort at Graph, always here. */
  async drop(mailbox: Pick<MailboxRow, 'id' | 'address'>, known?: GraphSubscriptionRow): Promise<void> {
    const sub = known ?? (await this.deps.store.subscriptions.forMailbox(mailbox.id));
    if (!sub) return;
    try {
      await deleteSubscription(this.deps.clients.client(mailbox.id), sub.subscription_id);
    } catch (error) {
      // It expires on its own; until then its notifications name a subscription we no longer know.
      this.deps.logger.info({ mailbox: mailbox.address, subscriptionId: sub.subscription_id, code: toGraphRequestError(error).code }, 'could not delete the push subscription at Microsoft');
    }
    await this.deps.store.subscriptions.removeForMailbox(mailbox.id);
    this.onForgotten(sub.subscription_id);
  }

  private async create(mailbox: MailboxRow, log: Logger): Promise<void> {
    const clientState = newClientState();
    // config.ts already strips trailing slashes from PUBLIC_ORIGIN.
    const origin = this.settings.publicOrigin;
    const asked = new Date(Date.now() + this.settings.subscriptionLifetimeMs);
    try {
      const created = await createInboxSubscription(this.deps.clients.client(mailbox.id), {
        address: mailbox.address,
        notificationUrl: `${origin}${NOTIFICATION_PATH}`,
        lifecycleNotificationUrl: `${origin}${LIFECYCLE_PATH}`,
        expiresAt: asked,
        clientState,
      });
      await this.deps.store.subscriptions.save({ mailboxId: mailbox.id, subscriptionId: created.id, clientStateHash: hashClientState(clientState), expiresAt: created.expiresAt, renewDueAt: this.renewDueAt(created.expiresAt) });
      await this.deps.store.mailboxes.update(mailbox.id, { push_state: 'on', push_reason: null, push_checked_at: new Date().toISOString() });
      log.info({ subscriptionId: created.id, expiresAt: created.expiresAt }, 'push subscription created');
    } catch (error) {
      const failure = toGraphRequestError(error);
      const reason = `Microsoft refused the subscription (${failure.code}): ${failure.message}`.slice(0, MAX_REASON);
      log.warn({ code: failure.code, status: failure.status }, 'push subscription could not be created: polling instead');
      await this.deps.store.mailboxes.update(mailbox.id, { push_state: 'off', push_reason: reason, push_checked_at: new Date().toISOString() });
    }
  }

  private async renew(mailbox: MailboxRow, sub: GraphSubscriptionRow, log: Logger): Promise<void> {
    try {
      const renewed = await renewSubscription(this.deps.clients.client(mailbox.id), sub.subscription_id, new Date(Date.now() + this.settings.subscriptionLifetimeMs));
      await this.deps.store.subscriptions.renewed(sub.subscription_id, renewed.expiresAt, this.renewDueAt(renewed.expiresAt));
      if (mailbox.push_state !== 'on' || mailbox.push_reason !== null) await this.deps.store.mailboxes.update(mailbox.id, { push_state: 'on', push_reason: null });
      log.info({ subscriptionId: sub.subscription_id, expiresAt: renewed.expiresAt }, 'push subscription renewed');
    } catch (error) {
      const failure = toGraphRequestError(error);
      if (failure.status === 404) {
        log.info({ subscriptionId: sub.subscription_id }, 'push subscription gone at Microsoft: creating a new one');
        await this.deps.store.subscriptions.remove(sub.subscription_id);
        this.onForgotten(sub.subscription_id);
        await this.create(mailbox, log);
        return;
      }
      // The old subscription still runs until it expires; the next run tries again.
      log.warn({ subscriptionId: sub.subscription_id, code: failure.code, status: failure.status }, 'push subscription could not be renewed');
      await this.deps.store.mailboxes.update(mailbox.id, { push_reason: `Renewal failed (${failure.code}); retrying`.slice(0, MAX_REASON), push_checked_at: new Date().toISOString() });
    }
  }

  /** Halfway to Graph's expiry: a renewal that fails has half a lifetime of runs to succeed in. */
  private renewDueAt(expiresAt: string): string {
    const expires = Date.parse(expiresAt);
    return new Date(Date.now() + Math.max(0, expires - Date.now()) / 2).toISOString();
  }
}
