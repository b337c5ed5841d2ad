/**
 * Exchange Online's per app + mailbox limits: at most 4 requests in flight (the 5th gets 429
 * ApplicationThrottled "MailboxConcurrency") and 10,000 requests per sliding 10 minutes (429 with the seconds
 * until the window has room). Also the per-mailbox counters the control API reports.
 *
 * Microsoft's current throttling-limits page puts the 4 concurrent requests "per app ID ... regardless of
 * whether the requests all access the same mailbox", where older revisions said per app and mailbox. The
 * `app` scope counts them that way; the budget stays per app and mailbox in both.
 */

export interface ThrottleLimits {
  maxConcurrent: number;
  maxRequests: number;
  windowMs: number;
}

export const EXCHANGE_LIMITS: ThrottleLimits = { maxConcurrent: 4, maxRequests: 10_000, windowMs: 10 * 60 * 1000 };

/** What the concurrency limit counts together: one app's requests to one mailbox, or all of one app's requests. */
export const CONCURRENCY_SCOPES = ['mailbox', 'app'] as const;
export type ConcurrencyScope = (typeof CONCURRENCY_SCOPES)[number];

export interface MailboxStats {
  requests: number;
  throttledUnits: number;
  throttled429: number;
  maxInFlight: number;
  /** Requests that arrived while a Retry-After this mailbox was given had not elapsed (a client's fault). */
  earlyRequests: number;
  /** 504s answered (a list page too large for the gateway, or injected). */
  gatewayTimeouts: number;
  /** Delta query requests (`.../messages/delta`), and message list requests (`.../messages` listings). */
  deltaRequests: number;
  listRequests: number;
}

/**
 * Requests already on the wire when a 429/503 went out cannot have obeyed it; only those arriving half the
 * Retry-After (at most this long) after it are counted as early. Generous, because a loaded test machine
 * delays both ends; a client that ignores Retry-After keeps sending through the second half all the same.
 */
const RETRY_AFTER_GRACE_MS = 1_000;

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'concurrency' | 'rate'; retryAfterSeconds: number };

interface KeyState {
  /** Ring buffer of admission times; full and oldest inside the window means over budget. */
  times: Float64Array;
  head: number;
  count: number;
}

/** A Retry-After given to one app for one mailbox: requests from `issuedAt` (after a grace) to `until` are early. */
export interface RetryAfterNote {
  readonly key: string;
  readonly issuedAt: number;
  readonly until: number;
  /** The note this one replaced while that was still running, so withdrawing this one restores it. */
  before: RetryAfterNote | undefined;
}

export class Throttle {
  private readonly keys = new Map<string, KeyState>();
  private readonly stats = new Map<string, MailboxStats & { inFlight: number }>();
  private readonly retryAfter = new Map<string, RetryAfterNote>();
  /** Requests in flight per concurrency key (app + mailbox, or app alone). */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: ThrottleLimits = EXCHANGE_LIMITS,
    readonly concurrencyScope: ConcurrencyScope = 'mailbox',
  ) {
    if (!CONCURRENCY_SCOPES.includes(concurrencyScope)) throw new RangeError(`concurrency scope must be one of ${CONCURRENCY_SCOPES.join(', ')}, got ${String(concurrencyScope)}`);
    // A zero, NaN or fractional limit must not silently disable throttling or break the ring buffer.
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`throttle limit ${name} must be a positive integer, got ${String(v)}`);
    }
  }

  /** Counts one request against (app, mailbox) and admits or refuses it. */
  begin(appId: string, mailbox: string, now = Date.now(), inBatch = false): Admission {
    const st = this.statsFor(mailbox);
    st.requests++;
    const key = `${appId}|${mailbox.toLowerCase()}`;
    const pause = this.retryAfter.get(key);
    // Sub-requests of a $batch arrive together with their batch; only the client's own requests can be early.
    if (!inBatch && pause && now < pause.until && now > pause.issuedAt + Math.min(RETRY_AFTER_GRACE_MS, (pause.until - pause.issuedAt) / 2)) st.earlyRequests++;
    let k = this.keys.get(key);
    if (!k) {
      k = { times: new Float64Array(this.limits.maxRequests), head: 0, count: 0 };
      this.keys.set(key, k);
    }
    const concurrencyKey = this.concurrencyScope === 'app' ? appId : key;
    const running = this.inFlight.get(concurrencyKey) ?? 0;
    if (running >= this.limits.maxConcurrent) {
      st.throttled429++;
      return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    }
    if (k.count === this.limits.maxRequests) {
      const oldest = k.times[k.head] ?? 0;
      if (oldest > now - this.limits.windowMs) {
        st.throttled429++;
        return { ok: false, reason: 'rate', retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000)) };
      }
    }
    // Record the admission, overwriting the oldest entry once the ring is full.
    k.times[(k.head + (k.count < this.limits.maxRequests ? k.count : 0)) % this.limits.maxRequests] = now;
    if (k.count < this.limits.maxRequests) k.count++;
    else k.head = (k.head + 1) % this.limits.maxRequests;
    this.inFlight.set(concurrencyKey, running + 1);
    st.inFlight++;
    st.throttledUnits++;
    st.maxInFlight = Math.max(st.maxInFlight, st.inFlight);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(concurrencyKey, (this.inFlight.get(concurrencyKey) ?? 1) - 1);
        st.inFlight--;
      },
    };
  }

  /** Remembers a Retry-After given to (app, mailbox), to count requests that do not wait for it. */
  noteRetryAfter(appId: string, mailbox: string, seconds: number, now = Date.now()): RetryAfterNote {
    const key = `${appId}|${mailbox.toLowerCase()}`;
    const earlier = this.retryAfter.get(key);
    // One level back is enough to withdraw the newest note; older ones are let go so the chain stays short.
    if (earlier) earlier.before = undefined;
    const note: RetryAfterNote = { key, issuedAt: now, until: Math.max(earlier?.until ?? 0, now + seconds * 1000), before: earlier && earlier.until > now ? earlier : undefined };
    this.retryAfter.set(key, note);
    return note;
  }

  /**
   * The answer that carried `note` never reached the client (its connection was cut): a Retry-After it never
   * heard cannot be obeyed, so requests during it are not counted as early on its account.
   */
  withdrawRetryAfter(note: RetryAfterNote): void {
    const current = this.retryAfter.get(note.key);
    if (current === note) {
      if (note.before) this.retryAfter.set(note.key, note.before);
      else this.retryAfter.delete(note.key);
    } else if (current?.before === note) {
      current.before = undefined;
    }
  }

  /** Counts a 504 answered for the mailbox. */
  countGatewayTimeout(mailbox: string): void {
    this.statsFor(mailbox).gatewayTimeouts++;
  }

  /** Counts a 429 that was not the throttle's own (fault injection), so stats show every 429 answered. */
  countInjected429(mailbox: string): void {
    this.statsFor(mailbox).throttled429++;
  }

  /** Counts a delta query or a message listing answered for the mailbox (what a sync cost, by kind). */
  countRead(mailbox: string, kind: 'delta' | 'list'): void {
    const s = this.statsFor(mailbox);
    if (kind === 'delta') s.deltaRequests++;
    else s.listRequests++;
  }

  statsOf(mailbox?: string): MailboxStats {
    const pick = (s: MailboxStats): MailboxStats => ({ requests: s.requests, throttledUnits: s.throttledUnits, throttled429: s.throttled429, maxInFlight: s.maxInFlight, earlyRequests: s.earlyRequests, gatewayTimeouts: s.gatewayTimeouts, deltaRequests: s.deltaRequests, listRequests: s.listRequests });
    if (mailbox) return pick(this.stats.get(mailbox.toLowerCase()) ?? { requests: 0, throttledUnits: 0, throttled429: 0, maxInFlight: 0, earlyRequests: 0, gatewayTimeouts: 0, deltaRequests: 0, listRequests: 0 });
    const total: MailboxStats = { requests: 0, throttledUnits: 0, throttled429: 0, maxInFlight: 0, earlyRequests: 0, gatewayTimeouts: 0, deltaRequests: 0, listRequests: 0 };
    for (const s of this.stats.values()) {
      total.requests += s.requests;
      total.throttledUnits += s.throttledUnits;
      total.throttled429 += s.throttled429;
      total.maxInFlight = Math.max(total.maxInFlight, s.maxInFlight);
      total.earlyRequests += s.earlyRequests;
      total.gatewayTimeouts += s.gatewayTimeouts;
      total.deltaRequests += s.deltaRequests;
      total.listRequests += s.listRequests;
    }
    return total;
  }

  resetStats(): void {
    this.retryAfter.clear();
    for (const s of this.stats.values()) {
      s.requests = 0;
      s.throttledUnits = 0;
      s.throttled429 = 0;
      s.earlyRequests = 0;
      s.gatewayTimeouts = 0;
      s.deltaRequests = 0;
      s.listRequests = 0;
      s.maxInFlight = s.inFlight;
    }
  }

  private statsFor(mailbox: string): MailboxStats & { inFlight: number } {
    const key = mailbox.toLowerCase();
    let s = this.stats.get(key);
    if (!s) {
      s = { requests: 0, throttledUnits: 0, throttled429: 0, maxInFlight: 0, earlyRequests: 0, gatewayTimeouts: 0, deltaRequests: 0, listRequests: 0, inFlight: 0 };
      this.stats.set(key, s);
    }
    return s;
  }
}
