import { useCallback, useEffect, useState } from 'react';
import type { KeyValueStore } from './key-value-store';
import { loadDraft, saveDraft, sentDraft, type ComposerMode, type Draft } from './drafts';

/** The composer's text for one ticket, written through to storage on every change (see drafts.ts). */
export interface DraftModel {
  draft: Draft;
  setMode(mode: ComposerMode): void;
  setText(text: string): void;
  /** The text of `mode` went out: forget it. */
  sent(mode: ComposerMode): void;
}

export function useDraft(storage: KeyValueStore, user: string, ticketId: number): DraftModel {
  const [draft, setDraft] = useState<Draft>(() => loadDraft(storage, user, ticketId));
  // Another ticket (or user): read its own draft.
  useEffect(() => setDraft(loadDraft(storage, user, ticketId)), [storage, user, ticketId]);

  const update = useCallback(
    (change: (d: Draft) => Draft) =>
      setDraft((d) => {
        const next = change(d);
        saveDraft(storage, user, ticketId, next);
        return next;
      }),
    [storage, user, ticketId],
  );

  return {
    draft,
    setMode: (mode) => update((d) => ({ ...d, mode })),
    setText: (text) => update((d) => ({ ...d, [d.mode]: text })),
    sent: (mode) => update((d) => sentDraft(d, mode)),
  };
}
