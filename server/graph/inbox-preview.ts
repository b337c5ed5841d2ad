import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';
import { mailboxPath } from './mail-operations';

/** What a first sync of the Inbox would take: its unread mail, counted, and the oldest and newest of it. */
export interface InboxUnreadPreview {
  unread: number;
  oldest: string | null;
  newest: string | null;
}

type Page = { '@odata.count'?: number; value?: { receivedDateTime?: string }[] };

/**
 * Three small reads: the unread count ($count=true, which Graph answers for messages with the
 * ConsistencyLevel header) with the oldest unread message, then the newest.
 */
export async function inboxUnreadPreview(client: Client, address: string): Promise<InboxUnreadPreview> {
  const unreadPage = async (order: 'asc' | 'desc', count: boolean): Promise<Page> =>
    (await get(client, `${mailboxPath(address)}/mailFolders/inbox/messages`, {
      $filter: 'receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false',
      $orderby: `receivedDateTime ${order}`,
      $select: 'receivedDateTime',
      $top: '1',
      ...(count ? { $count: 'true' } : {}),
    })) as Page;
  const oldest = await unreadPage('asc', true);
  const unread = oldest['@odata.count'] ?? 0;
  if (unread === 0) return { unread: 0, oldest: null, newest: null };
  const newest = await unreadPage('desc', false);
  return { unread, oldest: oldest.value?.[0]?.receivedDateTime ?? null, newest: newest.value?.[0]?.receivedDateTime ?? null };
}

/** A top-level mail folder (a sibling of the Inbox) by display name, as Exchange compares it (case-insensitively); null when there is none. */
export async function findTopLevelFolder(client: Client, address: string, displayName: string): Promise<{ id: string; displayName: string } | null> {
  const page = (await get(client, `${mailboxPath(address)}/mailFolders`, {
    $filter: `displayName eq '${displayName.replace(/'/g, "''")}'`,
    $select: 'id,displayName',
    $top: '2',
  })) as { value?: { id: string; displayName: string }[] };
  return page.value?.[0] ?? null;
}

async function get(client: Client, path: string, query: Record<string, string>): Promise<unknown> {
  const search = new URLSearchParams(query).toString();
  try {
    return await client.api(`${path}?${search}`).header('ConsistencyLevel', 'eventual').get();
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
