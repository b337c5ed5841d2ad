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

/**
 * Proves the token may send as `address` without emailing anyone: a sendMail with no recipient at all.
 * Exchange checks the caller's right to send as the mailbox first (403 ErrorAccessDenied) and only then the
 * message, which it refuses for want of a recipient (400 ErrorInvalidRecipients): that refusal is the proof.
 */
export async function probeSendAs(client: Client, address: string): Promise<'may_send'> {
  try {
    await client.api(`/users/${encodeURIComponent(address)}/sendMail`).post({
      message: { subject: 'Relaydesk send check', body: { contentType: 'text', content: 'A check that Relaydesk may send as this mailbox; it has no recipient and goes nowhere.' }, toRecipients: [] },
      saveToSentItems: false,
    });
    // Accepted with no recipient: nothing can have gone anywhere, and sending is allowed.
    return 'may_send';
  } catch (error) {
    const failure = toGraphRequestError(error);
    if (failure.status === 400 && failure.graphCode === 'ErrorInvalidRecipients') return 'may_send';
    throw failure;
  }
}
