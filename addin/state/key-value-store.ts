/**
 * The part of window.localStorage the pane's memory needs (drafts, the conversation order). Injected, so the
 * state modules run under Node in tests. Browsers throw from it (private mode, quota, storage disabled by
 * policy): callers treat that as "nothing remembered", never as a failure of the action.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function readKey(store: KeyValueStore, key: string): string | null {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

/** False when the browser refused to store it. */
export function writeKey(store: KeyValueStore, key: string, value: string | null): boolean {
  try {
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}
