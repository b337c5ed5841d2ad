/**
 * Exchange Online's upload limit per app and mailbox: 150 MB of request bodies (PATCH, POST, PUT) in a rolling
 * 5 minutes (Graph's throttling-limits page, Outlook service limits). Past it Exchange answers 429
 * ApplicationThrottled "Application is over its IncomingBytes limit." (reported, O365/python-o365#500) with a
 * Retry-After: the seconds until enough of the window has aged out for this request.
 */

export interface UploadLimits {
  bytes: number;
  windowMs: number;
}

export const EXCHANGE_UPLOAD_LIMITS: UploadLimits = { bytes: 150 * 1024 * 1024, windowMs: 5 * 60 * 1000 };

export type UploadAdmission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class UploadBudget {
  /** Per app + mailbox: admitted uploads in the window, oldest first. */
  private readonly windows = new Map<string, { at: number; bytes: number }[]>();

  constructor(private readonly limits: UploadLimits | undefined = EXCHANGE_UPLOAD_LIMITS) {
    // 0, NaN or a fraction must never quietly switch the limit off; only undefined does.
    if (limits && (!Number.isSafeInteger(limits.bytes) || limits.bytes < 1 || !Number.isSafeInteger(limits.windowMs) || limits.windowMs < 1)) {
      throw new RangeError(`upload limits must be positive integers, got ${JSON.stringify(limits)}`);
    }
  }

  /** Counts `bytes` of one request body against (app, mailbox), or refuses it with the wait until it fits. */
  admit(appId: string, mailbox: string, bytes: number, now = Date.now()): UploadAdmission {
    if (!this.limits || bytes <= 0) return { ok: true };
    const key = `${appId}|${mailbox.toLowerCase()}`;
    const list = this.windows.get(key) ?? [];
    const cutoff = now - this.limits.windowMs;
    while (list.length > 0 && (list[0]?.at ?? 0) <= cutoff) list.shift();
    let used = list.reduce((n, e) => n + e.bytes, 0);
    if (used + bytes > this.limits.bytes) {
      // The wait until the oldest uploads have aged out far enough for this one to fit.
      let i = 0;
      while (i < list.length && used + bytes > this.limits.bytes) used -= list[i++]?.bytes ?? 0;
      const freedAt = (list[Math.max(0, i - 1)]?.at ?? now) + this.limits.windowMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freedAt - now) / 1000)) };
    }
    list.push({ at: now, bytes });
    this.windows.set(key, list);
    return { ok: true };
  }
}
