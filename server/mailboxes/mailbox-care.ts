/**
 * The words for how a mailbox is looked after: what becomes of mail once it is a ticket, what the first sync
 * takes, and whether Microsoft pushes its changes. Leaf module: the store's schema types its columns with it.
 */

/** After ingest a message is marked read (the default), left unread for Outlook's unread cue, or moved. */
export const AFTER_INGEST_ACTIONS = ['mark_read', 'leave_unread', 'move'] as const;
export type AfterIngestAction = (typeof AFTER_INGEST_ACTIONS)[number];

/**
 * What the first sync of a newly linked mailbox takes: every unread message (the default), only mail that
 * arrives from now on, or the last N days' mail as solved tickets with nothing emailed.
 */
export const FIRST_SYNC_MODES = ['all_unread', 'from_now', 'last_days'] as const;
export type FirstSyncMode = (typeof FIRST_SYNC_MODES)[number];

/** Change notifications: `on` once a subscription exists, `off` with the reason when they cannot work. */
export const PUSH_STATES = ['off', 'on'] as const;
export type PushState = (typeof PUSH_STATES)[number];
