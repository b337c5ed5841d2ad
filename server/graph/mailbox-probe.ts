import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';

export interface InboxProbe {
  inboxId: string;
  totalItemCount: number;
  unreadItemCount: number;
}

/** Reads the mailbox's inbox folder: proof that the token can serve this mailbox through Graph. */
export async function probeInbox(client: Client, address: string): Promise<InboxProbe> {
  try {
    const folder = (await client
      .api(`/users/${encodeURIComponent(address)}/mailFolders/inbox`)
      .select(['id', 'totalItemCount', 'unreadItemCount'])
      .get()) as { id: string; totalItemCount?: number; unreadItemCount?: number };
    return { inboxId: folder.id, totalItemCount: folder.totalItemCount ?? 0, unreadItemCount: folder.unreadItemCount ?? 0 };
  } catch (error) {
    throw toGraphRequestError(error);
  }
}

/**
 * The object id of the directory user `address` resolves to: the mailbox's owner, to compare with the
 * signed-in account's `oid`. A UPN need not be the mailbox's SMTP address, so names prove nothing; ids do.
 */
export async function mailboxOwnerId(client: Client, address: string): Promise<string> {
  try {
    const user = (await client.api(`/users/${encodeURIComponent(address)}`).select(['id']).get()) as { id?: unknown };
    if (typeof user.id !== 'string' || user.id === '') throw new Error(`Graph returned no id for ${address}`);
    return user.id;
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
