import type { MailboxClients } from '../graph/mailbox-clients';
import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import type { MailboxLanguage } from './mailbox-language';
import type { MailboxState } from './mailbox-state';
import { chooseFirstSync, ChoiceError, firstSyncPreview, setAfterIngest, type AfterIngestChoice, type ChoiceErrorCode, type FirstSyncChoice, type FirstSyncPreview } from './mailbox-sync-choices';

/**
 * What admins do with a mailbox once consent has linked it (identity/mailbox-linking.ts): pause it, resume it,
 * unlink it. Each change and its audit entry commit together, so the audit trail never tells of a change that
 * did not happen.
 */

export type MailboxLifecycleErrorCode = 'not_found' | 'invalid_mailbox_state' | ChoiceErrorCode;

export class MailboxLifecycleError extends Error {
  constructor(readonly code: MailboxLifecycleErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'MailboxLifecycleError';
  }
}

export interface MailboxLifecycleHooks {
  /** A mailbox became active again: sync it now rather than at the next poll. */
  onActivated?: ((mailbox: MailboxRow) => void) | undefined;
  /** A mailbox's tokens were deleted: drop any copy held in memory. */
  onTokensChanged?: ((mailboxId: number) => void) | undefined;
  /**
   * A mailbox stops being synced (pause, unlink): drop what Microsoft does for it (its change-notification
   * subscription). Awaited before an unlink deletes the tokens the call needs; it must not throw.
   */
  onDeactivating?: ((mailbox: MailboxRow) => Promise<void>) | undefined;
}

/** Every mailbox not unlinked: an unlinked row stays only for the tickets that name it. */
export async function linkedMailboxes(store: Store): Promise<MailboxRow[]> {
  return (await store.mailboxes.list()).filter((row) => row.state !== 'unlinked');
}

export class MailboxLifecycle {
  constructor(
    private readonly store: Store,
    private readonly hooks: MailboxLifecycleHooks = {},
    /** The mailboxes' Graph clients: the after-ingest folder and the first-sync preview are read through them. */
    private readonly graph?: MailboxClients,
  ) {}

  /** What becomes of mail after ingest: marked read, left unread, or moved to a folder named by the admin. */
  async setAfterIngest(mailboxId: number, choice: AfterIngestChoice, actor: string): Promise<MailboxRow> {
    const mailbox = await this.linked(mailboxId);
    return choiceErrors(() => setAfterIngest(this.store, this.graph, mailbox, choice, actor));
  }

  /** What the mailbox's first sync would take (its unread Inbox), and the choice if made. */
  async firstSyncPreview(mailboxId: number): Promise<FirstSyncPreview> {
    const mailbox = await this.linked(mailboxId);
    return choiceErrors(() => firstSyncPreview(this.graph, mailbox));
  }

  /** The admin's first-sync choice, once; the first sync then starts at once when the mailbox is active. */
  async chooseFirstSync(mailboxId: number, choice: FirstSyncChoice, actor: string): Promise<MailboxRow> {
    const mailbox = await this.linked(mailboxId);
    const row = await choiceErrors(() => chooseFirstSync(this.store, mailbox, choice, actor));
    if (row.state === 'active') this.hooks.onActivated?.(row);
    return row;
  }

  listLinked(): Promise<MailboxRow[]> {
    return linkedMailboxes(this.store);
  }

  /** Stops syncing and sending; mail waits in the inbox and the outbox until it is resumed. */
  async pause(mailboxId: number, actor: string): Promise<MailboxRow> {
    const row = await this.transition(mailboxId, actor, 'active', 'paused', 'mailbox.paused');
    await this.hooks.onDeactivating?.(row);
    return row;
  }

  async resume(mailboxId: number, actor: string): Promise<MailboxRow> {
    const row = await this.transition(mailboxId, actor, 'paused', 'active', 'mailbox.resumed');
    this.hooks.onActivated?.(row);
    return row;
  }

  /** Stops all work for the mailbox and deletes its tokens; its tickets stay. */
  async unlink(mailboxId: number, actor: string): Promise<MailboxRow> {
    const mailbox = await this.linked(mailboxId);
    await this.hooks.onDeactivating?.(mailbox);
    const row = await this.store.transaction(async (repos) => {
      const updated = await repos.mailboxes.update(mailboxId, { state: 'unlinked', state_reason: `unlinked by ${actor}`, token_cache: null, home_account_id: null, lease_owner: null, lease_until: null });
      await repos.audit.record({ actor, action: 'mailbox.unlinked', targetType: 'mailbox', targetId: mailboxId, details: { address: mailbox.address } });
      return updated;
    });
    this.hooks.onTokensChanged?.(mailboxId);
    return row;
  }

  /** The language of the mailbox's outgoing emails from now on; emails already queued render in it too. */
  async setLanguage(mailboxId: number, language: MailboxLanguage, actor: string): Promise<MailboxRow> {
    const mailbox = await this.linked(mailboxId);
    if (mailbox.language === language) return mailbox;
    return this.store.transaction(async (repos) => {
      const row = await repos.mailboxes.update(mailboxId, { language });
      await repos.audit.record({ actor, action: 'mailbox.language_changed', targetType: 'mailbox', targetId: mailboxId, details: { address: mailbox.address, from: mailbox.language, to: language } });
      return row;
    });
  }

  private async transition(mailboxId: number, actor: string, from: MailboxState, to: MailboxState, action: string): Promise<MailboxRow> {
    const mailbox = await this.linked(mailboxId);
    if (mailbox.state !== from) {
      throw new MailboxLifecycleError('invalid_mailbox_state', `Only a ${from} mailbox can be ${to === 'paused' ? 'paused' : 'resumed'}; ${mailbox.address} is ${mailbox.state}`, { state: mailbox.state });
    }
    return this.store.transaction(async (repos) => {
      const row = await repos.mailboxes.update(mailboxId, { state: to, state_reason: to === 'paused' ? `paused by ${actor}` : null });
      await repos.audit.record({ actor, action, targetType: 'mailbox', targetId: mailboxId, details: { address: mailbox.address } });
      return row;
    });
  }

  private async linked(mailboxId: number): Promise<MailboxRow> {
    const mailbox = await this.store.mailboxes.findById(mailboxId);
    if (!mailbox || mailbox.state === 'unlinked') throw new MailboxLifecycleError('not_found', `Mailbox ${mailboxId} is not linked`);
    return mailbox;
  }
}

async function choiceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ChoiceError) throw new MailboxLifecycleError(error.code, error.message, error.details);
    throw error;
  }
}
