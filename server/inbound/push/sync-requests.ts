/**
 * Turns notifications into sync requests, coalesced per mailbox. The first notification of a window records
 * the request at once (the store's flag: durable, and seen by whichever instance holds the lease), and every
 * notification in the window waits for that one write before the webhook answers, so a 2xx never stands for a
 * request a crash could lose (Graph redelivers what was not acknowledged). The local scheduler is poked when
 * the window closes, `debounceMs` after the first notification (not the last, so a steady stream cannot
 * postpone the sync forever); until then it holds the mailbox back, so the window's notifications are one sync.
 */
export class SyncRequestCoalescer {
  private readonly windows = new Map<number, { timer: NodeJS.Timeout; recorded: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly debounceMs: number,
    private readonly parts: {
      /** Records the request durably; a rejection reaches the webhook (which then answers 5xx). */
      record: (mailboxId: number) => Promise<void>;
      /** The window closed: sync now (must not throw). */
      poke: (mailboxId: number) => void;
    },
  ) {}

  /** Resolves once the mailbox's request is recorded (at most one write per window). */
  request(mailboxId: number): Promise<void> {
    const open = this.windows.get(mailboxId);
    if (open) return open.recorded;
    const recorded = this.parts.record(mailboxId);
    // Awaited by the webhook; this copy only keeps an unawaited rejection from crashing the process.
    recorded.catch(() => undefined);
    if (this.closed) return recorded;
    const timer = setTimeout(() => {
      this.windows.delete(mailboxId);
      this.parts.poke(mailboxId);
    }, this.debounceMs);
    timer.unref();
    this.windows.set(mailboxId, { timer, recorded });
    return recorded;
  }

  /** Mailboxes whose window is open: the scheduler leaves them until it is poked. */
  waiting(): number[] {
    return [...this.windows.keys()];
  }

  /** Stops poking; the requests are in the store already, for the next claim (here or elsewhere). */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.windows.values()];
    this.windows.clear();
    for (const w of open) clearTimeout(w.timer);
    await Promise.allSettled(open.map((w) => w.recorded));
  }
}
