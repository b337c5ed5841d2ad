/**
 * The live poll's schedule: one tick every `intervalMs` while the pane is visible, none while it is hidden
 * (a pinned pane behind another window must not poll the server all day), and one at once when it shows
 * again so the agent never looks at a stale ticket. A tick never overlaps the previous one: the next wait
 * starts when a tick ends, so a slow server slows the poll down instead of piling requests up.
 */
export interface PollDeps {
  intervalMs: number;
  tick(): Promise<void>;
  isVisible(): boolean;
  /** Registers a visibility handler; returns its remover. */
  onVisibilityChange(handler: () => void): () => void;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Starts polling; returns stop. */
export function startPolling(deps: PollDeps): () => void {
  let timer: unknown = null;
  let running = false;
  let stopped = false;

  const cancel = () => {
    if (timer !== null) deps.clearTimeout(timer);
    timer = null;
  };
  const schedule = () => {
    cancel();
    if (!stopped && !running && deps.isVisible()) timer = deps.setTimeout(run, deps.intervalMs);
  };
  const run = () => {
    timer = null;
    if (stopped || running || !deps.isVisible()) return;
    running = true;
    // A failed tick (network down) is the tick's own business; polling goes on.
    deps
      .tick()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        schedule();
      });
  };

  const removeHandler = deps.onVisibilityChange(() => {
    if (deps.isVisible()) {
      cancel();
      run();
    } else cancel();
  });
  schedule();
  return () => {
    stopped = true;
    cancel();
    removeHandler();
  };
}
