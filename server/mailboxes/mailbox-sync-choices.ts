import { GraphRequestError } from '../graph/errors';
import { findTopLevelFolder, inboxUnreadPreview, type InboxUnreadPreview } from '../graph/inbox-preview';
import type { MailboxClients } from '../graph/mailbox-clients';
import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import type { AfterIngestAction, FirstSyncMode } from './mailbox-care';

/**
 * The admin's choices about a mailbox's mail: what becomes of it after ingest, and what the first sync
 * takes. Each change commits with its audit entry. Errors are MailboxLifecycleErrors (mailbox-lifecycle.ts
 * maps the codes to HTTP); this module throws ChoiceError and the lifecycle wraps it.
 */

export type ChoiceErrorCode = 'folder_not_found' | 'first_sync_already_chosen' | 'mailbox_not_active' | 'graph_unavailable';

export class ChoiceError extends Error {
  constructor(readonly code: ChoiceErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'ChoiceError';
  }
}

export type AfterIngestChoice = { action: 'mark_read' | 'leave_unread' } | { action: 'move'; folder: string };

export type FirstSyncChoice = { mode: 'all_unread' } | { mode: 'from_now' } | { mode: 'last_days'; days: number };

export interface FirstSyncPreview extends InboxUnreadPreview {
  choice: { mode: FirstSyncMode; days: number | null } | null;
}

/** Stores the after-ingest action; for a move, the folder is found by name among the mailbox's top-level folders. */
export async function setAfterIngest(store: Store, clients: MailboxClients | undefined, mailbox: MailboxRow, choice: AfterIngestChoice, actor: string): Promise<MailboxRow> {
  let folder: { id: string; displayName: string } | null = null;
  if (choice.action === 'move') {
    if (!clients) throw new ChoiceError('graph_unavailable', 'Moving mail needs Microsoft Graph, which this server is not configured for');
    if (mailbox.state !== 'active') throw new ChoiceError('mailbox_not_active', `${mailbox.address} is ${mailbox.state}; the folder can only be looked up in an active mailbox`, { state: mailbox.state });
    folder = await graphCall(() => findTopLevelFolder(clients.client(mailbox.id), mailbox.address, choice.folder));
    if (!folder) throw new ChoiceError('folder_not_found', `${mailbox.address} has no folder named '${choice.folder}' next to its Inbox; create it in Outlook first`, { folder: choice.folder });
  }
  const action: AfterIngestAction = choice.action;
  return store.transaction(async (repos) => {
    const row = await repos.mailboxes.update(mailbox.id, { after_ingest: action, move_folder_id: folder?.id ?? null, move_folder_name: folder?.displayName ?? null });
    await repos.audit.record({
      actor,
      action: 'mailbox.after_ingest_changed',
      targetType: 'mailbox',
      targetId: mailbox.id,
      details: { address: mailbox.address, from: mailbox.after_ingest, to: action, ...(folder ? { folder: folder.displayName } : {}) },
    });
    return row;
  });
}

/** What the first sync would take, read through Graph with the mailbox's token. */
export async function firstSyncPreview(clients: MailboxClients | undefined, mailbox: MailboxRow): Promise<FirstSyncPreview> {
  if (mailbox.state !== 'active') throw new ChoiceError('mailbox_not_active', `${mailbox.address} is ${mailbox.state}; only an active mailbox's Inbox can be read`, { state: mailbox.state });
  if (!clients) throw new ChoiceError('graph_unavailable', 'Reading the Inbox needs Microsoft Graph, which this server is not configured for');
  const preview = await graphCall(() => inboxUnreadPreview(clients.client(mailbox.id), mailbox.address));
  return { ...preview, choice: mailbox.first_sync_mode ? { mode: mailbox.first_sync_mode, days: mailbox.first_sync_days } : null };
}

/** The columns a first-sync choice sets, at `now`. Pure, so the rules are tested alone. */
export function firstSyncColumns(choice: FirstSyncChoice, now: Date): Pick<MailboxRow, 'first_sync_mode' | 'first_sync_days' | 'sync_since' | 'backfill_until'> {
  switch (choice.mode) {
    case 'all_unread':
      return { first_sync_mode: 'all_unread', first_sync_days: null, sync_since: null, backfill_until: null };
    case 'from_now':
      return { first_sync_mode: 'from_now', first_sync_days: null, sync_since: now.toISOString(), backfill_until: null };
    case 'last_days':
      return { first_sync_mode: 'last_days', first_sync_days: choice.days, sync_since: new Date(now.getTime() - choice.days * 86_400_000).toISOString(), backfill_until: now.toISOString() };
  }
}

/** Records the first-sync choice once; the mailbox becomes due for its first sync. */
export async function chooseFirstSync(store: Store, mailbox: MailboxRow, choice: FirstSyncChoice, actor: string): Promise<MailboxRow> {
  if (mailbox.first_sync_mode !== null) {
    throw new ChoiceError('first_sync_already_chosen', `The first sync of ${mailbox.address} was already chosen (${mailbox.first_sync_mode})`, { mode: mailbox.first_sync_mode });
  }
  const columns = firstSyncColumns(choice, new Date());
  return store.transaction(async (repos) => {
    // Only while still unchosen: two admins choosing at once, the second is refused.
    const row = await repos.mailboxes.chooseFirstSync(mailbox.id, columns);
    if (!row) throw new ChoiceError('first_sync_already_chosen', `The first sync of ${mailbox.address} was already chosen`);
    await repos.audit.record({ actor, action: 'mailbox.first_sync_chosen', targetType: 'mailbox', targetId: mailbox.id, details: { address: mailbox.address, ...choice } });
    return row;
  });
}

/** Graph's refusal as the API's: the mailbox's Graph access failed, not the request. */
async function graphCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GraphRequestError) throw new ChoiceError('graph_unavailable', `Microsoft Graph refused the request (${error.graphCode}); try again`, { graphCode: error.graphCode });
    throw error;
  }
}
