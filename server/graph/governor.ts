/**
 * Per-mailbox admission control that keeps Relaydesk inside Exchange Online's limits for one app and one
 * mailbox: at most 4 concurrent requests, about 10,000 requests per 10 minutes, under 150 MB of request bodies
 * per 5 minutes, and no request at all before a Retry-After has elapsed. Every Graph call for a mailbox (and
 * every upload to an attachment's upload URL) goes through its governor.
 */

export const EXCHANGE_CONCURRENCY = 4;
/** Below Exchange's 10,000 per 10 minutes, leaving room for other apps' and admins' calls. */
export const DEFAULT_BUDGET = 9_000;
export const BUDGET_WINDOW_MS = 10 * 60 * 1000;
/** Below Exchange's 150 MB of uploads per 5 minutes ("IncomingBytes"), leaving room for other apps' uploads. */
export const DEFAULT_UPLOAD_BYTES = 140 * 1024 * 1024;
export const UPLOAD_WINDOW_MS = 5 * 60 * 1000;

export interface GovernorOptions {
  concurrency?: number;
  budget?: number;
  windowMs?: number;
  uploadBytes?: number;
  uploadWindowMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface GovernorStats {
  inFlight: number;
  maxInFlight: number;
  /** Requests (units) admitted in the current window. */
  windowUnits: number;
  /** Request body bytes admitted in the current upload window. */
  windowBytes: number;
  pausedUntil: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MailboxGovernor {
  private inFlight = 0;
  private maxInFlight = 0;
  private pausedUntil = 0;
  /** Admission times of the units in the budget window, oldest first. */
  private readonly admitted: number[] = [];
  /** Request bodies admitted in the upload window, oldest first. */
  private readonly uploads: { at: number; bytes: number }[] = [];
  private uploadedBytes = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly budget: number;
  private readonly windowMs: number;
  private readonly uploadBytes: number;
  private readonly uploadWindowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: GovernorOptions = {}) {
    this.concurrency = positive('concurrency', options.concurrency ?? EXCHANGE_CONCURRENCY);
    this.budget = positive('budget', options.budget ?? DEFAULT_BUDGET);
    this.windowMs = positive('windowMs', options.windowMs ?? BUDGET_WINDOW_MS);
    this.uploadBytes = positive('uploadBytes', options.uploadBytes ?? DEFAULT_UPLOAD_BYTES);
    this.uploadWindowMs = positive('uploadWindowMs', options.uploadWindowMs ?? UPLOAD_WINDOW_MS);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Waits until a request of `units` (sub-requests of a $batch count each) using `slots` concurrent slots
   * and carrying `bodyBytes` may start, then returns its release function.
   */
  async acquire(requestedUnits = 1, slots = 1, bodyBytes = 0): Promise<() => void> {
    const units = Math.min(Math.max(1, requestedUnits), this.budget);
    const wanted = Math.min(Math.max(1, slots), this.concurrency);
    const bytes = Math.min(Math.max(0, bodyBytes), this.uploadBytes);
    for (;;) {
      const wait = this.pausedUntil - this.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const budgetWait = Math.max(this.budgetWait(units), this.uploadWait(bytes));
      if (budgetWait > 0) {
        await this.sleep(budgetWait);
        continue;
      }
      if (this.inFlight + wanted > this.concurrency) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      // A pause may have been set while this caller slept; check again before going.
      if (this.pausedUntil > this.now()) continue;
      this.inFlight += wanted;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const at = this.now();
      for (let i = 0; i < units; i++) this.admitted.push(at);
      if (bytes > 0) {
        this.uploads.push({ at, bytes });
        this.uploadedBytes += bytes;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.inFlight -= wanted;
        this.waiters.splice(0).forEach((wake) => wake());
      };
    }
  }

  /** Holds every request to this mailbox until `ms` from now (Retry-After). Never shortens a pause. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.max(0, ms));
  }

  stats(): GovernorStats {
    this.expire();
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight, windowUnits: this.admitted.length, windowBytes: this.uploadedBytes, pausedUntil: this.pausedUntil };
  }

  private budgetWait(units: number): number {
    this.expire();
    if (this.admitted.length + units <= this.budget) return 0;
    const oldest = this.admitted[this.admitted.length + units - this.budget - 1] ?? this.admitted[0] ?? this.now();
    return Math.max(1, oldest + this.windowMs - this.now());
  }

  /** How long until `bytes` more fit the upload window. */
  private uploadWait(bytes: number): number {
    if (bytes === 0) return 0;
    this.expire();
    let used = this.uploadedBytes;
    if (used + bytes <= this.uploadBytes) return 0;
    for (const u of this.uploads) {
      used -= u.bytes;
      if (used + bytes <= this.uploadBytes) return Math.max(1, u.at + this.uploadWindowMs - this.now());
    }
    return 1;
  }

  private expire(): void {
    const cutoff = this.now() - this.windowMs;
    let drop = 0;
    while (drop < this.admitted.length && (this.admitted[drop] ?? Infinity) <= cutoff) drop++;
    if (drop > 0) this.admitted.splice(0, drop);
    const uploadCutoff = this.now() - this.uploadWindowMs;
    while (this.uploads.length > 0 && (this.uploads[0]?.at ?? Infinity) <= uploadCutoff) this.uploadedBytes -= this.uploads.shift()?.bytes ?? 0;
  }
}

function positive(name: string, value: number): number {
  // 0, NaN or a non-number must never silently switch a limit off.
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Governor ${name} must be a positive number, got ${String(value)}`);
  return value;
}
