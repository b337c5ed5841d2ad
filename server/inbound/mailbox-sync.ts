import { createHash } from 'node:crypto';
import { GraphRequestError } from '../graph/errors';
import { getMime, listUnreadAttachments, listUnreadInbox, markRead, MimeTooLargeError, type GraphAttachmentJson, type GraphMailMessage } from '../graph/mail-operations';
import type { MailboxClients } from '../graph/mailbox-clients';
import type { Logger } from '../logger';
import type { MailboxRow } from '../store/schema';
import { isStoreError } from '../store/sql-helpers';
import type { Store } from '../store/store';
import { newFilterContext, type Filter, type FilterEnvironment } from './filter-context';
import { filtersWith } from './filters';
import type { SenderBurstOptions } from './filters/sender-burst';
import { graphToInbound, mimeRequiredReason, MimeRequiredError } from './graph-to-inbound';
import type { InboundMail } from './inbound-mail';
import { ingest, type IngestOutcome } from './ingest';
import { MailParseError, parseMime } from './parse-mime';
import { runFilters } from './pipeline';
import { createFilterEnvironment } from './store-filter-environment';

export interface SyncSettings {
  /** $top of each list page. */
  pageSize: number;
  /** At most this many messages per sync, so one flooded mailbox cannot hold its lease for long. */
  perSyncCap: number;
  /** Larger messages are dead-lettered without being downloaded again. */
  maxMimeBytes: number;
  burstBlockMs: number;
  messageIdDomain: string;
  /** Sender burst limits (default: 20 messages in 10 minutes). */
  burst?: SenderBurstOptions;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  pageSize: 100,
  perSyncCap: 1000,
  maxMimeBytes: 35 * 1024 * 1024,
  burstBlockMs: 60 * 60 * 1000,
  messageIdDomain: 'relaydesk.localhost',
};

export interface SyncDeps {
  store: Store;
  clients: MailboxClients;
  logger: Logger;
  settings: SyncSettings;
  /** Called after each message's transaction commits (benchmarks measure delivery-to-ticket latency). */
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

/** Graph ids the sync handled (recorded or dead-lettered) and may now mark read. */
type Handled = { graphId: string; receivedAt: string | undefined };

/**
 * One pass over a mailbox's unread inbox: each message is parsed, filtered and ingested in its own
 * transaction, and only then marked read, in $batch calls of 20. Messages that cannot be processed become
 * dead letters (also marked read) so that they never block the mailbox.
 */
export async function syncMailbox(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean = () => true): Promise<SyncResult> {
  const { store, clients, settings } = deps;
  const log = deps.logger.child({ mailbox: mailbox.address });
  const client = clients.client(mailbox.id);
  const messages = await listUnreadInbox(client, mailbox.address, { pageSize: settings.pageSize, limit: settings.perSyncCap });
  const env = await createFilterEnvironment(store, { messageIdDomain: settings.messageIdDomain });
  const filters = filtersWith({ burst: settings.burst });
  const attachments = await prefetchAttachments(deps, mailbox, messages);
  const handled: Handled[] = [];
  const result: SyncResult = { listed: messages.length, ingested: 0, alreadyRecorded: 0, deadLettered: 0, markedRead: 0, markReadFailed: 0, oldestUnreadAt: null };

  for (const message of messages) {
    if (!shouldContinue()) break;
    const internetMessageId = message.internetMessageId?.trim() || syntheticMessageId(message.id);
    // A message recorded before a crash (or before a failed mark-read) is only marked read: no second fetch.
    const known = await store.mailMessages.find(mailbox.id, internetMessageId);
    if (known) {
      result.alreadyRecorded++;
      handled.push({ graphId: message.id, receivedAt: message.receivedDateTime });
      continue;
    }
    const outcome = await processMessage(deps, mailbox, message, internetMessageId, env, filters, log, attachments.get(message.id));
    if (outcome === 'dead_lettered') result.deadLettered++;
    else if (outcome.kind === 'already_recorded') result.alreadyRecorded++;
    else {
      result.ingested++;
      deps.onIngested?.(outcome, message);
    }
    handled.push({ graphId: message.id, receivedAt: message.receivedDateTime });
  }

  const marked = await markRead(client, mailbox.address, handled.map((h) => h.graphId), (ms) => log.info({ waitMs: ms }, 'mark-read throttled'));
  result.markedRead = marked.done.length;
  result.markReadFailed = marked.failed.length;
  for (const failure of marked.failed) log.warn({ graphId: failure.id, code: failure.error.graphCode }, 'could not mark message read; the next sync will retry');

  const stillUnread = new Set(marked.failed.map((f) => f.id));
  const handledIds = new Set(handled.map((h) => h.graphId));
  const unhandled = messages.filter((m) => !handledIds.has(m.id) || stillUnread.has(m.id));
  result.oldestUnreadAt = unhandled[0]?.receivedDateTime ?? (messages.length >= settings.perSyncCap ? (messages.at(-1)?.receivedDateTime ?? null) : null);
  return result;
}

async function processMessage(
  deps: SyncDeps,
  mailbox: MailboxRow,
  message: GraphMailMessage,
  internetMessageId: string,
  env: FilterEnvironment,
  filters: readonly Filter[],
  log: Logger,
  attachments: GraphAttachmentJson[] | undefined,
): Promise<IngestOutcome | 'dead_lettered'> {
  let raw: Buffer | null = null;
  let mail: InboundMail;
  try {
    const expanded = attachments && message.body ? fromExpandedAttachments(message, attachments, deps.settings.maxMimeBytes) : undefined;
    if (expanded === 'too_large') throw new MimeTooLargeError(deps.settings.maxMimeBytes);
    if (expanded) {
      mail = expanded;
    } else if (mimeRequiredReason(message) || !message.body) {
      raw = await getMime(deps.clients.client(mailbox.id), mailbox.address, message.id, deps.settings.maxMimeBytes);
      mail = await parseMime(raw);
    } else {
      mail = graphToInbound(message);
    }
    // The id this sync looks messages up by must be the one they are recorded under.
    if (!message.internetMessageId?.trim()) mail = { ...mail, internetMessageId };
  } catch (error) {
    if (error instanceof MimeTooLargeError) return deadLetter(deps, mailbox, message, internetMessageId, null, 'too_large', error.message, log);
    if (error instanceof GraphRequestError) {
      // Graph will never serve this message's content: keep what the list returned.
      if (error.kind === 'permanent') return deadLetter(deps, mailbox, message, internetMessageId, null, 'content_unavailable', `${error.graphCode}: ${error.message}`, log);
      // Throttling, outages and lost grants end this sync; the message stays unread for the next one.
      throw error;
    }
    const code = error instanceof MailParseError ? error.code : 'parse_failed';
    return deadLetter(deps, mailbox, message, internetMessageId, raw, code, error instanceof Error ? error.message : String(error), log);
  }

  const ctx = newFilterContext(mail, { id: mailbox.id, address: mailbox.address });
  try {
    await runFilters(ctx, env, filters);
  } catch (error) {
    if (isStoreError(error)) throw error;
    return deadLetter(deps, mailbox, message, internetMessageId, raw, 'filter_failed', (error as Error).message, log);
  }
  // Database errors propagate: a failing store is an outage, not a bad message.
  const outcome = await ingest(deps.store, ctx, message.id, { burstBlockMs: deps.settings.burstBlockMs });
  log.debug({ graphId: message.id, outcome: outcome.kind }, 'message ingested');
  return outcome;
}

async function deadLetter(
  deps: SyncDeps,
  mailbox: MailboxRow,
  message: GraphMailMessage,
  internetMessageId: string,
  raw: Buffer | null,
  reasonCode: string,
  reason: string,
  log: Logger,
): Promise<'dead_lettered'> {
  await deps.store.transaction(async (repos) => {
    const letter = await repos.deadLetters.insert({
      mailboxId: mailbox.id,
      graphMessageId: message.id,
      internetMessageId,
      reasonCode,
      reason: reason.slice(0, 2000),
      // Without MIME, the JSON Graph returned is the best copy there is to replay from.
      raw: raw ?? (reasonCode === 'too_large' ? null : Buffer.from(JSON.stringify(message))),
    });
    await repos.mailMessages.insert({
      mailboxId: mailbox.id,
      internetMessageId,
      graphMessageId: message.id,
      direction: 'inbound',
      ticketId: null,
      commentId: null,
      disposition: 'dead_letter',
      dispositionReason: `${reasonCode}: dead letter ${letter.id}`,
      fromAddress: message.from?.emailAddress?.address?.toLowerCase() ?? null,
      subject: (message.subject ?? '').slice(0, 998),
    });
  });
  log.warn({ graphId: message.id, reasonCode, reason }, 'message dead-lettered');
  return 'dead_lettered';
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

/** The message built from its JSON and expanded attachments; undefined when only its MIME will do. */
function fromExpandedAttachments(message: GraphMailMessage, attachments: GraphAttachmentJson[], maxBytes: number): InboundMail | 'too_large' | undefined {
  // The same limit as a MIME download (body plus attachments): an oversized message is a dead letter either way.
  const size = Buffer.byteLength(message.body?.content ?? '') + attachments.reduce((sum, a) => sum + (a.size ?? 0), 0);
  if (size > maxBytes) return 'too_large';
  try {
    return graphToInbound(message, attachments);
  } catch (error) {
    if (error instanceof MimeRequiredError) return undefined;
    throw error;
  }
}

/** Graph can list a message without a Message-ID (a draft-like item); give it a stable one of our own. */
function syntheticMessageId(graphId: string): string {
  return `<graph-${createHash('sha256').update(graphId).digest('hex').slice(0, 32)}@missing-message-id.invalid>`;
}
