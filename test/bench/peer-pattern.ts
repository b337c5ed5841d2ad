import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, toGraphRequestError } from '../../server/graph/errors';
import { getMime } from '../../server/graph/mail-operations';
import { ingestBatch } from '../../server/inbound/ingest/ingest-batch';
import { syncBatchContext, type SyncDeps } from '../../server/inbound/sync/mailbox-sync';
import { inboundMailFromMime } from '../../server/inbound/mail/mime-to-inbound';
import { normalizeMessageId } from '../../server/tickets/message-id';
import type { MailboxRow } from '../../server/store/schema';
import { isStoreError } from '../../server/store/sql-helpers';

/**
 * The usual peer pattern (Zammad's Graph channel, REFERENCE.md "What peers do with mail"): list the unread
 * inbox's ids, then per message GET its headers, GET its MIME ($value) and PATCH isRead, one message after
 * the other. It runs through Relaydesk's own Graph SDK client and governor, parses with Relaydesk's parser
 * and filters and ingests with Relaydesk's code, so that only the Graph access pattern differs from
 * syncMailbox. Like the peer, it dedupes by the Message-ID header before downloading the MIME.
 */

export interface PeerSyncResult {
  listed: number;
  ingested: number;
  alreadyRecorded: number;
  /** Messages the parser, filters or ingest refused; the peer would retry them forever, the benchmark marks them read. */
  failed: number;
}

/** The same unread-inbox query as Relaydesk's list ($orderby must lead $filter), selecting only ids. */
const UNREAD_FILTER = 'receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false';

export async function peerSyncMailbox(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean): Promise<PeerSyncResult> {
  const { store, settings } = deps;
  const client = deps.clients.client(mailbox.id);
  const user = `/users/${encodeURIComponent(mailbox.address)}`;
  const ids = await listUnreadIds(client, user, settings.pageSize, settings.perSyncCap);
  // One message per transaction, as peers commit: the same filters and ingest as Relaydesk's batches.
  const context = await syncBatchContext(deps, mailbox, deps.logger);
  const result: PeerSyncResult = { listed: ids.length, ingested: 0, alreadyRecorded: 0, failed: 0 };

  for (const id of ids) {
    if (!shouldContinue()) break;
    const messagePath = `${user}/messages/${encodeURIComponent(id)}`;
    const headers = (await graph(() => client.api(messagePath).select(['internetMessageHeaders']).get())) as { internetMessageHeaders?: { name: string; value: string }[] };
    const messageIdHeader = headers.internetMessageHeaders?.find((h) => h.name.toLowerCase() === 'message-id')?.value;
    const messageId = messageIdHeader ? normalizeMessageId(messageIdHeader) : null;
    if (messageId && (await store.mailMessages.recordedIn(mailbox.id, [messageId])).size > 0) {
      result.alreadyRecorded++;
    } else {
      try {
        const raw = await getMime(client, mailbox.address, id, settings.maxMimeBytes);
        const mail = await inboundMailFromMime(raw);
        const [outcome] = await ingestBatch(store, [{ kind: 'mail', message: { id }, internetMessageId: mail.internetMessageId, mail, raw }], context);
        if (outcome?.kind === 'already_recorded') result.alreadyRecorded++;
        else if (outcome?.kind === 'dead_lettered') result.failed++;
        else if (outcome) {
          result.ingested++;
          deps.onIngested?.(outcome, { id, internetMessageId: mail.internetMessageId });
        }
      } catch (error) {
        // Throttling, outages and database errors end the pass, as they do for Relaydesk; a message that
        // cannot be parsed is only counted.
        if ((error instanceof GraphRequestError && error.kind !== 'bad_request') || isStoreError(error)) throw error;
        result.failed++;
      }
    }
    await graph(() => client.api(messagePath).patch({ isRead: true }));
  }
  return result;
}

async function listUnreadIds(client: Client, user: string, pageSize: number, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let page = (await graph(() =>
    client
      .api(`${user}/mailFolders/inbox/messages`)
      .filter(UNREAD_FILTER)
      .orderby('receivedDateTime asc')
      .select(['id'])
      .top(Math.min(pageSize, limit))
      .get(),
  )) as { value: { id: string }[]; '@odata.nextLink'?: string };
  for (let pages = 1; ; pages++) {
    ids.push(...page.value.map((m) => m.id));
    const next = page['@odata.nextLink'];
    if (!next || ids.length >= limit || pages > limit) break;
    page = (await graph(() => client.api(next).get())) as typeof page;
  }
  return ids.slice(0, limit);
}

async function graph<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
