/**
 * The words for a linked mailbox's state: `pending` until consent proves access, `active` while it is synced,
 * `paused` by an admin, `needs_reauth` once its grant is lost, `unlinked` when removed (the row stays for the
 * tickets that name it). A leaf module, so that the store's schema can type its column with this list.
 */
export const MAILBOX_STATES = ['pending', 'active', 'paused', 'needs_reauth', 'unlinked'] as const;
export type MailboxState = (typeof MAILBOX_STATES)[number];
