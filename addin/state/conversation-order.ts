import type { Comment } from '../api/types';
import { readKey, writeKey, type KeyValueStore } from './key-value-store';

/** The agent's choice of newest-first or oldest-first, remembered across tickets and sessions. */
export type ConversationOrder = 'newest' | 'oldest';

const KEY = 'relaydesk.conversation-order';

export function loadOrder(store: KeyValueStore): ConversationOrder {
  return readKey(store, KEY) === 'oldest' ? 'oldest' : 'newest';
}

export function saveOrder(store: KeyValueStore, order: ConversationOrder): void {
  writeKey(store, KEY, order);
}

/** Sorted by creation time, then id (comments of the same second keep the order they were written in). */
export function sortComments(comments: readonly Comment[], order: ConversationOrder): Comment[] {
  const sign = order === 'newest' ? -1 : 1;
  return [...comments].sort((a, b) => sign * (Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id));
}

export type CommentKind = 'customer' | 'reply' | 'note' | 'system';

/** How a comment is shown: Relaydesk's own notes, internal notes, the customer's emails, agents' public replies. */
export function commentKind(comment: Pick<Comment, 'source' | 'visibility'>): CommentKind {
  if (comment.source === 'system') return 'system';
  if (comment.visibility === 'internal') return 'note';
  return comment.source === 'email' ? 'customer' : 'reply';
}
