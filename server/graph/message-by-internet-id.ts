import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';

/** A message of the mailbox found by its Message-ID: its Graph id, for reading its MIME (getMime). */
export interface FoundMessage {
  id: string;
  internetMessageId: string | null;
}

/**
 * The mailbox's message with this Message-ID, in any folder, or null when it has none. The oldest copy wins
 * when several exist (a message moved and copied back): the one the mailbox received first. The id is an OData
 * string literal, so its quotes are doubled; anything else in it is the sender's and goes through as text.
 */
export async function findMessageByInternetId(client: Client, address: string, internetMessageId: string): Promise<FoundMessage | null> {
  const escaped = internetMessageId.replace(/'/g, "''");
  try {
    const page = (await client
      .api(`/users/${encodeURIComponent(address)}/messages`)
      .filter(`internetMessageId eq '${escaped}'`)
      .select(['id', 'internetMessageId', 'receivedDateTime'])
      .top(10)
      .get()) as { value: { id: string; internetMessageId?: string | null; receivedDateTime?: string | null }[] };
    const oldest = [...page.value].sort((a, b) => (a.receivedDateTime ?? '').localeCompare(b.receivedDateTime ?? ''))[0];
    return oldest ? { id: oldest.id, internetMessageId: oldest.internetMessageId ?? null } : null;
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
