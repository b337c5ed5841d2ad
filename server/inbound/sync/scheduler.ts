import { randomUUID } from 'node:crypto';
import type { MailboxRow } from '../../store/schema';
import { syncMailbox, type SyncDeps, type SyncResult } from './mailbox-sync';
import { classifySyncFailure } from './sync-failure';

export interface SchedulerOptions {
  /** How often each active mailbox is synced. */
  intervalMs: number;
  /** A lease outlives a crashed instance by at most this long. */
  leaseMs: number;
  /** Mailboxes this instance syncs at the same time. */
  maxConcurrent: number;
  /**
   * Identifies this instance's leases. Keep it stable across restarts (the default in main.ts is host and
   * port) so a restarted instance resumes its mailboxes at once instead of waiting for its old leases.
   */
  instanceId?: string;
  /**
   * With push on, a mailbox is synced at least this often anyway (notifications can be lost); without it,
   * every `intervalMs`. Default: `intervalMs`.
   */
  pushCheckIntervalMs?: number;
  /**
   * How often a sync also lists the Inbox's unread mail besides reading its delta link (see
   * SyncPassOptions.netListing); the first sync of each mailbox after start always does. Default 5 minutes.
   */
  netListingIntervalMs?: number;
}

const DEFAULT_NET_LISTING_INTERVAL_MS = 5 * 60_000;

/** What push asks of the scheduler. */
export interface SchedulerPush {
  /** Under the mailbox's lease, before each sync: the subscription's upkeep. Must not throw. */
  ensure(mailbox: MailboxRow): Promise<void>;
  /** Mailboxes whose notifications are still being gathered: left to the poke that ends the window. */
  waiting(): readonly number[];
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { intervalMs: 15_000, leaseMs: 120_000, maxConcurrent: 8 };
const TICK_MS = 1_000;

/**
 * Fans out one sync job per due mailbox, each under a lease in the store so that no two instances sync a
 * mailbox together. Jobs run independently: a slow or failing mailbox never delays another.
 */
export class SyncScheduler {
  readonly instanceId: string;
  private readonly running = new Map<number, Promise<void>>();
  /** Claims in flight: stop() waits for them, so no sync starts after it returned. */
  private readonly claiming = new Set<Promise<MailboxRow[]>>();
  /** Syncs asked for while one of the same mailbox was running: claimed again as soon as it ends. */
  private readonly askedWhileRunning = new Set<number>();
  /** When this instance last listed each mailbox's unread mail (the net under delta). */
  private readonly lastNetListing = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly deps: SyncDeps,
    private readonly options: SchedulerOptions = DEFAULT_SCHEDULER,
    private readonly onSynced: (mailbox: MailboxRow, result: SyncResult | Error) => void = () => undefined,
    private readonly push?: SchedulerPush,
  ) {
    this.instanceId = options.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), Math.min(TICK_MS, this.options.intervalMs));
    this.timer.unref();
    void this.tick();
  }

  /** Syncs one mailbox now (after linking or resuming), unless it is already being synced. */
  async syncNow(mailboxId: number): Promise<void> {
    if (this.stopping || this.running.has(mailboxId)) return;
    const claimed = await this.claim({ onlyId: mailboxId, dueBefore: new Date(Date.now() + 60_000).toISOString(), limit: 1 });
    await Promise.all(claimed.map((m) => this.launch(m)));
  }

  /**
   * A notification asked for a sync (its flag is already in the store): claim the mailbox now rather than at
   * the next tick; if this process is syncing it, claim it again once that sync ends.
   */
  requested(mailboxId: number): void {
    if (this.stopping) return;
    if (this.running.has(mailboxId)) {
      this.askedWhileRunning.add(mailboxId);
      return;
    }
    void this.claimRequested(mailboxId);
  }

  /** Stops claiming work and waits for running syncs to finish (each ends within one message). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.claiming]);
    await Promise.allSettled([...this.running.values()]);
  }

  async tick(): Promise<void> {
    const free = this.options.maxConcurrent - this.running.size;
    if (this.stopping || free <= 0) return;
    try {
      const claimed = await this.claim({ ...this.dueTimes(), limit: free, holdBack: this.push?.waiting() ?? [] });
      for (const mailbox of claimed) void this.launch(mailbox);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not claim mailboxes to sync');
    }
  }

  private dueTimes(): { dueBefore: string; pushDueBefore: string } {
    const now = Date.now();
    return { dueBefore: new Date(now - this.options.intervalMs).toISOString(), pushDueBefore: new Date(now - (this.options.pushCheckIntervalMs ?? this.options.intervalMs)).toISOString() };
  }

  /** Claims the mailbox if it is due; the store's request flag makes it so, unless another instance took it. */
  private async claimRequested(mailboxId: number): Promise<void> {
    if (this.stopping || this.running.size >= this.options.maxConcurrent) return;
    try {
      const claimed = await this.claim({ ...this.dueTimes(), limit: 1, onlyId: mailboxId });
      for (const mailbox of claimed) void this.launch(mailbox);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not claim a mailbox a notification asked for');
    }
  }

  private claim(claim: { dueBefore: string; pushDueBefore?: string; limit: number; onlyId?: number; holdBack?: readonly number[] }): Promise<MailboxRow[]> {
    const pending = this.claimUnlessStopped(claim).finally(() => this.claiming.delete(pending));
    this.claiming.add(pending);
    return pending;
  }

  private async claimUnlessStopped({ holdBack = [], ...claim }: { dueBefore: string; pushDueBefore?: string; limit: number; onlyId?: number; holdBack?: readonly number[] }): Promise<MailboxRow[]> {
    // Mailboxes this process is syncing hold our own lease, which would otherwise count as claimable.
    const excludeIds = [...this.running.keys(), ...holdBack];
    const claimed = await this.deps.store.mailboxes.claimForSync({ owner: this.instanceId, leaseMs: this.options.leaseMs, excludeIds, ...claim });
    if (!this.stopping) return claimed;
    // Stopped while claiming: hand the mailboxes straight back rather than start syncs nobody waits for.
    await Promise.all(claimed.map((m) => this.deps.store.mailboxes.releaseLease(m.id, this.instanceId)));
    return [];
  }

  private launch(mailbox: MailboxRow): Promise<void> {
    const job = this.run(mailbox).finally(() => {
      this.running.delete(mailbox.id);
      if (this.askedWhileRunning.delete(mailbox.id)) void this.claimRequested(mailbox.id);
    });
    this.running.set(mailbox.id, job);
    return job;
  }

  private async run(mailbox: MailboxRow): Promise<void> {
    const { store, logger } = this.deps;
    const log = logger.child({ mailbox: mailbox.address });
    let leaseHeld = true;
    const renew = setInterval(() => {
      store.mailboxes.renewLease(mailbox.id, this.instanceId, this.options.leaseMs).then(
        (held) => {
          if (!held) leaseHeld = false;
        },
        (error: unknown) => log.warn({ err: error }, 'could not renew the sync lease'),
      );
    }, this.options.leaseMs / 3);
    if (this.push) {
      // Push upkeep failing must never cost the sync: the mailbox is then polled, nothing more.
      await this.push.ensure(mailbox).catch((error: unknown) => log.warn({ err: error }, 'push upkeep failed'));
    }
    try {
      const netListing = Date.now() - (this.lastNetListing.get(mailbox.id) ?? 0) >= (this.options.netListingIntervalMs ?? DEFAULT_NET_LISTING_INTERVAL_MS);
      const result = await syncMailbox(this.deps, mailbox, () => leaseHeld && !this.stopping, { netListing });
      if (netListing) this.lastNetListing.set(mailbox.id, Date.now());
      await store.mailboxes.recordSyncSuccess(mailbox.id, { ingested: result.ingested, oldestUnreadAt: result.oldestUnreadAt });
      if (result.listed > 0) log.info({ ...result }, 'mailbox synced');
      this.onSynced(mailbox, result);
    } catch (error) {
      const failure = classifySyncFailure(error, mailbox);
      log.warn({ code: failure.code, failureClass: failure.failureClass, err: error }, 'mailbox sync failed');
      try {
        // The mailbox stays active and shows degraded with the reason; only a lost grant parks it.
        await store.mailboxes.recordSyncFailure(mailbox.id, { code: failure.code, failureClass: failure.failureClass, message: failure.message });
        if (failure.needsReauth) await store.mailboxes.update(mailbox.id, { state: 'needs_reauth', state_reason: failure.message });
      } catch (recordError) {
        log.error({ err: recordError }, 'could not record the sync failure');
      }
      this.onSynced(mailbox, error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearInterval(renew);
      await store.mailboxes.releaseLease(mailbox.id, this.instanceId).catch((error: unknown) => log.warn({ err: error }, 'could not release the sync lease'));
    }
  }
}
