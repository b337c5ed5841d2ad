import { z } from 'zod';

/**
 * Injected faults for Graph requests (PUT /sandbox/faults): random 429 with Retry-After, random 503, added
 * latency, and connection resets. A reset happens after the request took effect, the nastiest case for a
 * client (did my sendMail go out?). Identity and control endpoints are never faulted.
 */

const rate = z.number().min(0).max(1);

export const faultsSchema = z
  .object({
    rate429: rate.default(0),
    retryAfterSeconds: z.number().min(0).max(3600).default(1),
    rate503: rate.default(0),
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    resetRate: rate.default(0),
    /** Optional: only requests for this mailbox are faulted. */
    mailbox: z.string().optional(),
    /** Optional: only requests whose normalised path (`/users/{address}/messages/{id}/$value`) matches this regular expression. */
    pathPattern: z
      .string()
      .max(500)
      .refine((source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
  })
  .strict();

export type Faults = z.infer<typeof faultsSchema>;

export const NO_FAULTS: Faults = { rate429: 0, retryAfterSeconds: 1, rate503: 0, latencyMs: 0, resetRate: 0 };

export class FaultInjector {
  current: Faults = { ...NO_FAULTS };

  private pathPattern: RegExp | undefined;

  set(f: Faults): void {
    this.current = f;
    this.pathPattern = f.pathPattern === undefined ? undefined : new RegExp(f.pathPattern);
  }

  private applies(mailbox: string | undefined, path?: string): boolean {
    if (this.pathPattern && (path === undefined || !this.pathPattern.test(path))) return false;
    return !this.current.mailbox || (mailbox !== undefined && mailbox.toLowerCase() === this.current.mailbox.toLowerCase());
  }

  latencyFor(mailbox: string | undefined, path: string): number {
    return this.applies(mailbox, path) ? this.current.latencyMs : 0;
  }

  /** Decides whether this (sub-)request fails before doing anything. */
  pick(mailbox: string | undefined, path: string): '429' | '503' | undefined {
    if (!this.applies(mailbox, path)) return undefined;
    if (this.current.rate429 > 0 && Math.random() < this.current.rate429) return '429';
    if (this.current.rate503 > 0 && Math.random() < this.current.rate503) return '503';
    return undefined;
  }

  shouldReset(mailbox: string | undefined, path: string): boolean {
    return this.applies(mailbox, path) && this.current.resetRate > 0 && Math.random() < this.current.resetRate;
  }

  /** Retry-After as Graph sends it: whole seconds usually, fractional when configured so. */
  retryAfterHeader(): string {
    return String(this.current.retryAfterSeconds);
  }
}
