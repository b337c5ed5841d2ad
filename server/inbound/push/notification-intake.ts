import { z } from 'zod';
import type { Logger } from '../../logger';
import type { GraphSubscriptionRow } from '../../store/schema';
import type { Store } from '../../store/store';
import { clientStateMatches } from './client-state';
import { WebhookCounters } from './webhook-counters';

/**
 * What the webhook does with a POST from Microsoft: each item is checked against the subscription it names
 * (known, and carrying that subscription's clientState) and an accepted one only asks for a sync of its
 * mailbox. Nothing here reads mail: the sync's delta round does, under the mailbox's lease.
 */

/** Graph batches at most a few hundred items; a larger body is not from Graph. */
export const MAX_ITEMS = 1_000;
const MAX_ID = 256;
/** Subscriptions looked up recently, so a burst of notifications costs one query. */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;
/**
 * Distinct subscriptions looked up per body. Graph posts one subscription's items together; a stranger's body
 * of a thousand made-up ids would otherwise cost a thousand queries.
 */
const MAX_LOOKUPS_PER_BODY = 20;

const bodySchema = z.object({ value: z.array(z.unknown()).max(MAX_ITEMS) });
const itemSchema = z.object({
  subscriptionId: z.string().min(1).max(MAX_ID),
  clientState: z.string().max(1_024).nullish(),
});
const lifecycleItemSchema = itemSchema.extend({ lifecycleEvent: z.string().max(64) });

export type IntakeAnswer = { status: 202; accepted: number; refused: number } | { status: 400 };

export class NotificationIntake {
  readonly counters = new WebhookCounters();
  private readonly cache = new Map<string, { row: GraphSubscriptionRow; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** Asks for a sync of the mailbox (coalesced); resolves once the request is recorded durably. */
    private readonly requestSync: (mailboxId: number) => Promise<void>,
  ) {}

  /** Change notifications (POST /webhooks/graph). */
  async notifications(body: unknown): Promise<IntakeAnswer> {
    const items = this.items(body);
    if (!items) return { status: 400 };
    let accepted = 0;
    const mailboxes = new Set<number>();
    const lookups = new Map<string, Promise<GraphSubscriptionRow | undefined>>();
    for (const raw of items) {
      const sub = await this.verified(raw, itemSchema, lookups);
      if (!sub) continue;
      accepted++;
      mailboxes.add(sub.mailbox_id);
    }
    // Acknowledged only once recorded: a crash before that leaves Graph to redeliver.
    await Promise.all([...mailboxes].map((id) => this.requestSync(id)));
    return { status: 202, accepted, refused: items.length - accepted };
  }

  /** Lifecycle events (POST /webhooks/graph/lifecycle). */
  async lifecycle(body: unknown): Promise<IntakeAnswer> {
    const items = this.items(body);
    if (!items) return { status: 400 };
    let accepted = 0;
    const lookups = new Map<string, Promise<GraphSubscriptionRow | undefined>>();
    for (const raw of items) {
      const sub = await this.verified(raw, lifecycleItemSchema, lookups);
      if (!sub) continue;
      accepted++;
      const event = (raw as { lifecycleEvent: string }).lifecycleEvent;
      const log = this.logger.child({ mailboxId: sub.mailbox_id, subscriptionId: sub.subscription_id, lifecycleEvent: event });
      try {
        // Each event only leaves a note for the lease holder, which renews or recreates at its next run.
        if (event === 'reauthorizationRequired') await this.store.subscriptions.renewNow(sub.subscription_id);
        else if (event === 'subscriptionRemoved') {
          await this.store.subscriptions.remove(sub.subscription_id);
          this.forget(sub.subscription_id);
        }
        // `missed` (and any event Graph adds later) needs only a sync: its delta round catches up.
        log.info('subscription lifecycle event');
      } catch (error) {
        log.error({ err: error }, 'could not record a subscription lifecycle event');
      }
      await this.requestSync(sub.mailbox_id);
    }
    return { status: 202, accepted, refused: items.length - accepted };
  }

  /** Drops a cached subscription (it was replaced or removed in this process). */
  forget(subscriptionId: string): void {
    this.cache.delete(subscriptionId);
  }

  private items(body: unknown): unknown[] | undefined {
    const parsed = bodySchema.safeParse(body);
    if (parsed.success) return parsed.data.value;
    this.counters.count('invalid');
    this.logger.warn('webhook body refused: not a notification collection');
    return undefined;
  }

  private async verified(raw: unknown, schema: typeof itemSchema | typeof lifecycleItemSchema, lookups: Map<string, Promise<GraphSubscriptionRow | undefined>>): Promise<GraphSubscriptionRow | undefined> {
    const item = schema.safeParse(raw);
    if (!item.success) {
      this.counters.count('invalid');
      return undefined;
    }
    const { subscriptionId, clientState } = item.data;
    let lookup = lookups.get(subscriptionId);
    if (!lookup && lookups.size < MAX_LOOKUPS_PER_BODY) {
      lookup = this.subscription(subscriptionId);
      lookups.set(subscriptionId, lookup);
    }
    const sub = lookup ? await lookup : undefined;
    if (!sub) {
      this.counters.count('unknown_subscription');
      this.logger.warn({ subscriptionId }, 'notification refused: unknown subscription');
      return undefined;
    }
    // Never log the clientState given: a near-miss of the real one would be worth a forger's while.
    if (!clientStateMatches(clientState, sub.client_state_hash)) {
      this.counters.count('bad_client_state');
      this.logger.warn({ subscriptionId, mailboxId: sub.mailbox_id }, 'notification refused: wrong clientState');
      return undefined;
    }
    this.counters.count('accepted');
    return sub;
  }

  private async subscription(subscriptionId: string): Promise<GraphSubscriptionRow | undefined> {
    const now = Date.now();
    const hit = this.cache.get(subscriptionId);
    if (hit && now - hit.at < CACHE_MS) return hit.row;
    // Unknown ids are not cached: a subscription created a moment ago must be found at once.
    const row = await this.store.subscriptions.bySubscriptionId(subscriptionId);
    if (!row) {
      this.cache.delete(subscriptionId);
      return undefined;
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(subscriptionId, { row, at: now });
    return row;
  }
}
