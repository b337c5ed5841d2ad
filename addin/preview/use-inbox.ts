import { useCallback, useEffect, useState } from 'react';
import { isPageVisible, onPageVisibilityChange } from '../browser/visibility';
import { startPolling } from '../state/poll';
import { previewApi, type InboxMessage } from './preview-api';

/** How often the list is read again: new mail, and read state as Relaydesk marks what it ingested. */
const POLL_MS = 2_000;

export interface Inbox {
  messages: InboxMessage[] | null;
  error: string | null;
  refresh(): void;
}

/** The demo mailbox's Inbox, newest first, read now and then while the page is visible (the pane's own poll schedule). */
export function useInbox(): Inbox {
  const [messages, setMessages] = useState<InboxMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setMessages((await previewApi.messages()).messages);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void load();
    return startPolling({ intervalMs: POLL_MS, tick: load, isVisible: isPageVisible, onVisibilityChange: onPageVisibilityChange, setTimeout: (run, ms) => window.setTimeout(run, ms), clearTimeout: (h) => window.clearTimeout(h as number) });
  }, [load]);
  return { messages, error, refresh: () => void load() };
}
