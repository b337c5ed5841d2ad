/**
 * The $top one mailbox's inbox list pages use, learnt from Exchange's gateway. A 504 on a list page means
 * the page was too large to assemble in time (Graph's user-list-messages: a page of many full messages "may
 * trigger the gateway timeout"), so the same page again would time out again: the size is halved, not below
 * MIN_ADAPTIVE_PAGE_SIZE, and after CLEAN_PAGES_TO_GROW clean pages in a row it doubles back toward the
 * configured size.
 *
 * Kept in memory, one per mailbox for the life of the process (MailboxClients holds it beside the
 * mailbox's governor): it is a hint about speed, not state anything depends on, so losing it on a restart
 * costs at most one more 504 per mailbox, and each instance learning on its own needs no coordination. Kept
 * across syncs, because a mailbox whose mail is large stays so: starting every sync at the configured size
 * would pay a gateway timeout each time.
 */

export const MIN_ADAPTIVE_PAGE_SIZE = 10;
export const CLEAN_PAGES_TO_GROW = 4;

export class AdaptivePageSize {
  /** The learnt ceiling; undefined while the configured size works. */
  private ceiling: number | undefined;
  private cleanPages = 0;

  /** The $top to ask for, given the configured one. */
  current(configured: number): number {
    return Math.max(1, Math.min(configured, this.ceiling ?? configured));
  }

  /** A list page of `top` messages answered 504. */
  timedOut(top: number): void {
    this.ceiling = Math.max(MIN_ADAPTIVE_PAGE_SIZE, Math.min(this.ceiling ?? top, Math.floor(top / 2)));
    this.cleanPages = 0;
  }

  /** A list page came back without a 504. */
  clean(configured: number): void {
    if (this.ceiling === undefined) return;
    if (++this.cleanPages < CLEAN_PAGES_TO_GROW) return;
    this.cleanPages = 0;
    this.ceiling *= 2;
    if (this.ceiling >= configured) this.ceiling = undefined;
  }
}
