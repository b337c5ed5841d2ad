import { readKey, writeKey, type KeyValueStore } from './key-value-store';

/**
 * An agent's unsent reply and note for one ticket, kept in localStorage so they survive switching emails and
 * closing the pane. Keyed by the signed-in user as well as the ticket: a shared computer (or a second account
 * in Outlook) must not show one agent's draft to another.
 */
export type ComposerMode = 'reply' | 'note';

export interface Draft {
  mode: ComposerMode;
  reply: string;
  note: string;
}

export const EMPTY_DRAFT: Draft = { mode: 'reply', reply: '', note: '' };

const PREFIX = 'relaydesk.draft.v1';

export const draftKey = (user: string, ticketId: number): string => `${PREFIX}:${user.trim().toLowerCase()}:${ticketId}`;

export function loadDraft(store: KeyValueStore, user: string, ticketId: number): Draft {
  const text = readKey(store, draftKey(user, ticketId));
  if (!text) return EMPTY_DRAFT;
  try {
    const value = JSON.parse(text) as Partial<Draft>;
    return {
      mode: value.mode === 'note' ? 'note' : 'reply',
      reply: typeof value.reply === 'string' ? value.reply : '',
      note: typeof value.note === 'string' ? value.note : '',
    };
  } catch {
    return EMPTY_DRAFT;
  }
}

/** Stores the draft; an empty one (no text in either mode) is removed so storage does not fill with ticket ids. */
export function saveDraft(store: KeyValueStore, user: string, ticketId: number, draft: Draft): boolean {
  const empty = !draft.reply.trim() && !draft.note.trim();
  return writeKey(store, draftKey(user, ticketId), empty ? null : JSON.stringify(draft));
}

/** After a successful send: forgets the text of the mode that was sent, keeps the other. */
export function sentDraft(draft: Draft, mode: ComposerMode): Draft {
  return { ...draft, [mode]: '' };
}
