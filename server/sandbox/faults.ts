import { z } from 'zod';

/**
 * Injected faults for Graph requests (PUT /sandbox/faults): random 429 with Retry-After, random 503, added
 * latency, and connection resets. A reset happens after the request took effect, the nastiest case for a
 * client (did my sendMail go out?). Control endpoints are never faulted; identity endpoints only when
 * `pathPattern` names them (identity/identity-faults.ts answers them as Entra does).
 *
 * Server errors (500, 502, 503, 504) normally refuse the request before it runs; with `afterEffect` the
 * handler runs first and the error is answered after, as when Exchange sent a message but the gateway's
 * answer was lost. A 429 always refuses first: a throttled request never runs.
 */

const rate = z.number().min(0).max(1);

export const faultsSchema = z
  .object({
    rate429: rate.default(0),
    retryAfterSeconds: z.number().min(0).max(3600).default(1),
    rate503: rate.default(0),
    rate500: rate.default(0),
    rate502: rate.default(0),
    rate504: rate.default(0),
    /** Server errors are answered after the request took effect. */
    afterEffect: z.boolean().default(false),
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    resetRate: rate.default(0),
    /** Identity endpoints only: 400 `temporarily_unavailable`, Entra's "retry the request" (identity/identity-faults.ts). */
    temporarilyUnavailableRate: rate.default(0),
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

export const NO_FAULTS: Faults = { rate429: 0, retryAfterSeconds: 1, rate503: 0, rate500: 0, rate502: 0, rate504: 0, afterEffect: false, latencyMs: 0, resetRate: 0, temporarilyUnavailableRate: 0 };

export type GraphFault = '429' | '500' | '502' | '503' | '504';
export type IdentityFault = '429' | '503' | 'temporarily_unavailable';

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

  /** Decides whether this (sub-)request fails; see `afterEffect` for when a server error is answered. */
  pick(mailbox: string | undefined, path: string): GraphFault | undefined {
    if (!this.applies(mailbox, path)) return undefined;
    if (this.current.rate429 > 0 && Math.random() < this.current.rate429) return '429';
    if (this.current.rate503 > 0 && Math.random() < this.current.rate503) return '503';
    if (this.current.rate500 > 0 && Math.random() < this.current.rate500) return '500';
    if (this.current.rate502 > 0 && Math.random() < this.current.rate502) return '502';
    if (this.current.rate504 > 0 && Math.random() < this.current.rate504) return '504';
    return undefined;
  }

  /** True when `fault` is answered after the handler ran (a server error with `afterEffect` on). */
  afterEffect(fault: GraphFault): boolean {
    return fault !== '429' && this.current.afterEffect;
  }

  /**
   * Whether `pathPattern` names this identity path (`/{tenant}/oauth2/v2.0/token`, ...): faults set without
   * one, or for Graph paths, never touch the identity endpoints.
   */
  namesIdentityPath(path: string): boolean {
    return this.pathPattern !== undefined && this.pathPattern.test(path);
  }

  /** Identity faults apply: the path is named, and `mailbox`, when set, owns the grant the request presents. */
  appliesToIdentity(grantMailbox: string | undefined, path: string): boolean {
    return this.namesIdentityPath(path) && this.applies(grantMailbox, path);
  }

  /** Decides whether this identity request fails before doing anything. */
  pickIdentity(): IdentityFault | undefined {
    if (this.current.rate429 > 0 && Math.random() < this.current.rate429) return '429';
    if (this.current.rate503 > 0 && Math.random() < this.current.rate503) return '503';
    if (this.current.temporarilyUnavailableRate > 0 && Math.random() < this.current.temporarilyUnavailableRate) return 'temporarily_unavailable';
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
