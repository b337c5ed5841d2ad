import { createHash } from 'node:crypto';
import { listUnreadAttachments, listUnreadInbox, markRead, type GraphAttachmentJson, type GraphMailMessage } from '../graph/mail-operations';
import { EXCHANGE_CONCURRENCY } from '../graph/governor';
import type { MailboxClients } from '../graph/mailbox-clients';
import type { Logger } from '../logger';
import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import { filtersWith } from './filters';
import type { SenderBurstOptions } from './filters/sender-burst';
import { mimeRequiredReason } from './graph-to-inbound';
import type { IngestOutcome } from './ingest';
import { ingestBatch, type BatchContext, type BatchOutcome } from './ingest-batch';
import { readAhead } from './read-ahead';
import { heldBytes, readMessage, type ReadMessage } from './read-message';
import { filterEnvironment } from './store-filter-environment';

export interface SyncSettings {
  /** $top of each list page. */
  pageSize: number;
  /** At most this many messages per sync, so one flooded mailbox cannot hold its lease for long. */
  perSyncCap: number;
  /** Larger messages are dead-lettered without being downloaded again. */
  maxMimeBytes: number;
  /** Messages recorded per transaction: one commit for many messages, the results marked read after it. */
  ingestBatchSize: number;
  /** A batch commits early once the messages it holds in memory (MIME, bodies, attachments) reach this. */
  ingestBatchBytes: number;
  burstBlockMs: number;
  messageIdDomain: string;
  /** Sender burst limits (default: 20 messages in 10 minutes). */
  burst?: SenderBurstOptions;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  pageSize: 100,
  perSyncCap: 1000,
  maxMimeBytes: 35 * 1024 * 1024,
  ingestBatchSize: 50,
  ingestBatchBytes: 32 * 1024 * 1024,
  burstBlockMs: 60 * 60 * 1000,
  messageIdDomain: 'relaydesk.localhost',
};

export interface SyncDeps {
  store: Store;
  clients: MailboxClients;
  logger: Logger;
  settings: SyncSettings;
  /** Called for each message once its batch's transaction commits (benchmarks measure delivery-to-ticket latency). */
  onIngested?: (outcome: IngestOutcome, message: GraphMailMessage) => void;
}

export interface SyncResult {
  listed: number;
  ingested: number;
  alreadyRecorded: number;
  deadLettered: number;
  markedRead: number;
  markReadFailed: number;
  oldestUnreadAt: string | null;
}

/**
 * One pass over a mailbox's unread inbox: messages are read (from the list, or their MIME when needed),
 * then filtered and recorded in batches, one transaction each, and only then marked read, in $batch calls
 * of 20. Messages that cannot be processed become dead letters (also marked read) so that they never block
 * the mailbox.
 */
export async function syncMailbox(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean = () => true): Promise<SyncResult> {
  const { store, settings } = deps;
  const log = deps.logger.child({ mailbox: mailbox.address });
  const client = deps.clients.client(mailbox.id);
  const messages = await listUnreadInbox(client, mailbox.address, { pageSize: settings.pageSize, limit: settings.perSyncCap });
  const batchContext = await syncBatchContext(deps, mailbox, log);
  const attachments = await prefetchAttachments(deps, mailbox, messages);
  const handled: string[] = [];
  const result: SyncResult = { listed: messages.length, ingested: 0, alreadyRecorded: 0, deadLettered: 0, markedRead: 0, markReadFailed: 0, oldestUnreadAt: null };

  const messageIds = new Map(messages.map((m) => [m.id, m.internetMessageId?.trim() || syntheticMessageId(m.id)]));
  // Messages recorded before a crash (or before a failed mark-read) are only marked read: no second fetch.
  // Ingest checks again inside its transaction; this check only saves the work.
  const recorded = await store.mailMessages.recordedIn(mailbox.id, [...new Set(messageIds.values())]);

  const toRead: GraphMailMessage[] = [];
  for (const message of messages) {
    if (!recorded.has(messageIds.get(message.id)!)) toRead.push(message);
    else {
      result.alreadyRecorded++;
      handled.push(message.id);
    }
  }
  const read = (message: GraphMailMessage) =>
    readMessage(message, messageIds.get(message.id)!, { client, mailboxAddress: mailbox.address, maxMimeBytes: settings.maxMimeBytes, attachments: attachments.get(message.id) });
  await readAndRecord(toRead, read, { store, settings, context: batchContext, shouldContinue }, (outcome, message) => {
    if (outcome.kind === 'dead_lettered') result.deadLettered++;
    else if (outcome.kind === 'already_recorded') result.alreadyRecorded++;
    else {
      result.ingested++;
      deps.onIngested?.(outcome, message);
    }
    handled.push(message.id);
  });

  const marked = await markRead(client, mailbox.address, handled, (ms) => log.info({ waitMs: ms }, 'mark-read throttled'));
  result.markedRead = marked.done.length;
  result.markReadFailed = marked.failed.length;
  for (const failure of marked.failed) log.warn({ graphId: failure.id, code: failure.error.graphCode }, 'could not mark message read; the next sync will retry');

  const stillUnread = new Set(marked.failed.map((f) => f.id));
  const handledIds = new Set(handled);
  const unhandled = messages.filter((m) => !handledIds.has(m.id) || stillUnread.has(m.id));
  result.oldestUnreadAt = unhandled[0]?.receivedDateTime ?? (messages.length >= settings.perSyncCap ? (messages.at(-1)?.receivedDateTime ?? null) : null);
  return result;
}

/**
 * What a sync pass's batches share: the mailbox, the filters with the configured burst limits, and the
 * filters' view of the store (linked addresses read once per pass, so a mailbox linked meanwhile is seen
 * on the next one).
 */
export async function syncBatchContext(deps: Pick<SyncDeps, 'store' | 'settings'>, mailbox: MailboxRow, log: Logger): Promise<BatchContext> {
  const { settings } = deps;
  const linkedAddresses = await deps.store.mailboxes.linkedAddresses();
  return {
    mailbox: { id: mailbox.id, address: mailbox.address },
    environment: (repos) => filterEnvironment(repos, { messageIdDomain: settings.messageIdDomain, linkedAddresses }),
    filters: filtersWith({ burst: settings.burst }),
    options: { burstBlockMs: settings.burstBlockMs },
    log,
  };
}

/**
 * Reads the messages (MIME downloads of delivery reports overlap, up to the governor's slots) and records
 * them oldest first, in batches of `ingestBatchSize` messages or `ingestBatchBytes` of mail, one transaction
 * each; `recorded` hears of each message once its batch committed. When a read fails (throttled, a lost grant)
 * what was read before it is still recorded, and the error then ends the sync; the next sync marks those
 * messages read, finding them recorded.
 */
async function readAndRecord(
  messages: readonly GraphMailMessage[],
  read: (message: GraphMailMessage) => Promise<ReadMessage>,
  deps: { store: Store; settings: SyncSettings; context: BatchContext; shouldContinue: () => boolean },
  recorded: (outcome: BatchOutcome, message: GraphMailMessage) => void,
): Promise<void> {
  let batch: ReadMessage[] = [];
  let bytes = 0;
  const commit = async () => {
    const taken = batch;
    batch = [];
    bytes = 0;
    const outcomes = await ingestBatch(deps.store, taken, deps.context);
    outcomes.forEach((outcome, i) => recorded(outcome, taken[i]!.message));
  };
  try {
    for await (const message of readAhead(messages, EXCHANGE_CONCURRENCY, read, deps.shouldContinue)) {
      batch.push(message);
      bytes += heldBytes(message);
      if (batch.length >= deps.settings.ingestBatchSize || bytes >= deps.settings.ingestBatchBytes) await commit();
    }
  } finally {
    await commit();
  }
}

/**
 * Attachments of this sync's messages that need them, fetched with the list ten messages a request instead
 * of one MIME download each. Delivery reports still need their MIME (only it has the failed recipients).
 */
async function prefetchAttachments(deps: SyncDeps, mailbox: MailboxRow, messages: readonly GraphMailMessage[]): Promise<Map<string, GraphAttachmentJson[]>> {
  const wanted = messages.filter((m) => m.body && mimeRequiredReason(m) === 'has_attachments');
  const since = wanted[0]?.receivedDateTime;
  if (!since) return new Map();
  const ids = new Set(wanted.map((m) => m.id));
  return listUnreadAttachments(deps.clients.client(mailbox.id), mailbox.address, { wanted: ids, since, maxPages: Math.ceil(messages.length / 10) + 2 });
}

/** Graph can list a message without a Message-ID (a draft-like item); give it a stable one of our own. */
function syntheticMessageId(graphId: string): string {
  return `<graph-${createHash('sha256').update(graphId).digest('hex').slice(0, 32)}@missing-message-id.invalid>`;
}
