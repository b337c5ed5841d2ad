import { createHash } from 'node:crypto';
import type { GraphAttachmentJson, GraphMailMessage } from '../../graph/mail-message';
import { listUnreadAttachments, listUnreadPages, markRead } from '../../graph/mail-operations';
import type { MailboxClients } from '../../graph/mailbox-clients';
import type { Logger } from '../../logger';
import type { MailboxRow } from '../../store/schema';
import type { Store } from '../../store/store';
import { normalizeMessageId } from '../../tickets/message-id';
import { DEFAULT_MESSAGE_ID_DOMAIN } from '../../tickets/our-mail-marks';
import { filtersWith } from '../filters';
import { SENDER_BLOCK_MS, type SenderBurstOptions } from '../sender-burst-policy';
import { mimeRequiredReason } from '../mail/graph-to-inbound';
import type { IngestOutcome } from '../ingest/ingest';
import { ingestBatch, type BatchContext, type BatchOutcome } from '../ingest/ingest-batch';
import { DEFAULT_PARSE_DEADLINE_MS, sharedParsePool, type ParsePool } from '../mail/parse-pool';
import { heldBytes, readMessage, type ReadMessage } from './read-message';
import { filterEnvironment } from '../filters/store-environment';

export interface SyncSettings {
  /** $top of each list page. */
  pageSize: number;
  /** At most this many messages per sync, so one flooded mailbox cannot hold its lease for long. */
  perSyncCap: number;
  /** Larger messages are dead-lettered without being downloaded again. */
  maxMimeBytes: number;
  /** Messages recorded per transaction: one commit for many messages, the results marked read after it. */
  ingestBatchSize: number;
  /**
   * The mail one sync holds in memory, besides the one message being downloaded: a quarter for the list
   * page, a quarter for the page of attachments, half for the batch being recorded (which commits early
   * when full).
   */
  ingestBatchBytes: number;
  /** A message whose parse runs longer is stopped and dead-lettered as `too_complex`. */
  parseDeadlineMs: number;
  /** How long a sender who burst is blocked (see sender-burst-policy). */
  burstBlockMs: number;
  messageIdDomain: string;
  /** Sender burst limits; what is left out takes the policy's default. */
  burst?: SenderBurstOptions;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  pageSize: 100,
  perSyncCap: 1000,
  maxMimeBytes: 35 * 1024 * 1024,
  ingestBatchSize: 50,
  ingestBatchBytes: 32 * 1024 * 1024,
  parseDeadlineMs: DEFAULT_PARSE_DEADLINE_MS,
  burstBlockMs: SENDER_BLOCK_MS,
  messageIdDomain: DEFAULT_MESSAGE_ID_DOMAIN,
};

export interface SyncDeps {
  store: Store;
  clients: MailboxClients;
  logger: Logger;
  settings: SyncSettings;
  /** Where messages are parsed; default: the process's shared pool. */
  parsePool?: ParsePool;
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
 * Messages read together, and marked together in inbound_reads (one commit a wave): the most suspects a
 * death can leave per mailbox. Their parses overlap in the pool; MIME downloads still go one at a time.
 */
const READ_WAVE = 4;

/** A body past this is marked read on its own (see markRead). */
const LARGE_BODY_CHARS = 256 * 1024;

/** A message whose reading began this many times without ending is not read again: it is poison. */
export const POISON_ATTEMPTS = 2;

/**
 * One pass over a mailbox's unread inbox, a page at a time: each page's messages are read (from the list,
 * or their MIME when needed), then filtered and recorded in batches, one transaction each, and at the end
 * marked read, in $batch calls of 20. Messages that cannot be processed become dead letters (also marked
 * read) so that they never block the mailbox.
 *
 * Crash-loop protection: before messages are read, that their reading begins is committed (inbound_reads),
 * and it ends once their parse returns (see readChunk). Messages a crashed process was reading are read
 * again one at a time, so a second crash names the message that caused it; a message whose reading began
 * POISON_ATTEMPTS times without ending becomes a `poison` dead letter instead of being read again.
 */
export async function syncMailbox(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean = () => true): Promise<SyncResult> {
  const { store, settings } = deps;
  const log = deps.logger.child({ mailbox: mailbox.address });
  const client = deps.clients.client(mailbox.id);
  const context = await syncBatchContext(deps, mailbox, log);
  const handled: string[] = [];
  const listed: { id: string; receivedDateTime: string | undefined }[] = [];
  // Messages whose answer to mark-read would be megabytes: marked one by one, the answer left unread.
  const large = new Set<string>();
  const result: SyncResult = { listed: 0, ingested: 0, alreadyRecorded: 0, deadLettered: 0, markedRead: 0, markReadFailed: 0, oldestUnreadAt: null };
  const recorded = (outcome: BatchOutcome, message: GraphMailMessage) => {
    if (outcome.kind === 'dead_lettered') result.deadLettered++;
    else if (outcome.kind === 'already_recorded') result.alreadyRecorded++;
    else {
      result.ingested++;
      deps.onIngested?.(outcome, message);
    }
    handled.push(message.id);
  };
  const reader: ChunkReader = { deps, mailbox, context, shouldContinue, download: oneAtATime(), pool: deps.parsePool ?? sharedParsePool(), recorded };

  const pages = listUnreadPages(client, mailbox.address, {
    pageSize: settings.pageSize,
    limit: settings.perSyncCap,
    maxPageBytes: settings.ingestBatchBytes / 4,
    adaptive: deps.clients.listPageSize(mailbox.id),
  });
  for await (const page of pages) {
    result.listed += page.length;
    for (const m of page) {
      listed.push({ id: m.id, receivedDateTime: m.receivedDateTime ?? undefined });
      if (!m.body || m.body.content.length > LARGE_BODY_CHARS) large.add(m.id);
    }
    const ids = new Map(page.map((m) => [m.id, recordedMessageId(m)]));
    // Messages recorded before a crash (or before a failed mark-read) are only marked read: no second read.
    // Ingest checks again inside its transaction; this check only saves the work.
    const known = await store.mailMessages.recordedIn(mailbox.id, [...new Set(ids.values())]);
    const toRead: GraphMailMessage[] = [];
    for (const message of page) {
      if (!known.has(ids.get(message.id)!)) toRead.push(message);
      else {
        result.alreadyRecorded++;
        handled.push(message.id);
      }
    }
    const attachments = await prefetchAttachments(deps, mailbox, toRead);
    for (let i = 0; i < toRead.length && shouldContinue(); i += settings.ingestBatchSize) {
      await readChunk(reader, toRead.slice(i, i + settings.ingestBatchSize), ids, attachments);
    }
    if (!shouldContinue()) break;
  }

  const marked = await markRead(client, mailbox.address, handled, (ms) => log.info({ waitMs: ms }, 'mark-read throttled'), large);
  result.markedRead = marked.done.length;
  result.markReadFailed = marked.failed.length;
  for (const failure of marked.failed) log.warn({ graphId: failure.id, code: failure.error.graphCode }, 'could not mark message read; the next sync will retry');

  const stillUnread = new Set(marked.failed.map((f) => f.id));
  const handledIds = new Set(handled);
  const unhandled = listed.find((m) => !handledIds.has(m.id) || stillUnread.has(m.id));
  result.oldestUnreadAt = unhandled?.receivedDateTime ?? (listed.length >= settings.perSyncCap ? (listed.at(-1)?.receivedDateTime ?? null) : null);
  return result;
}

interface ChunkReader {
  deps: SyncDeps;
  mailbox: MailboxRow;
  context: BatchContext;
  shouldContinue: () => boolean;
  download: <T>(work: () => Promise<T>) => Promise<T>;
  pool: ParsePool;
  recorded: (outcome: BatchOutcome, message: GraphMailMessage) => void;
}

/**
 * Reads and records one batch's worth of messages. Reading goes in waves of up to READ_WAVE messages,
 * whose parses overlap. One commit records that a wave's reading begins and that the previous
 * wave's ended (its parses returned), so a process that dies leaves at most one wave marked. A message
 * marked by a dead process is a suspect: it is read in a wave of its own, and marked around its parse
 * alone (once a worker is free for it, until it returns), so that a second death names it, and only a
 * death during that parse. A message marked POISON_ATTEMPTS times is not read again.
 */
async function readChunk(
  reader: ChunkReader,
  chunk: readonly GraphMailMessage[],
  ids: ReadonlyMap<string, string>,
  attachments: ReadonlyMap<string, GraphAttachmentJson[]>,
): Promise<void> {
  const { deps, mailbox, context } = reader;
  const { store, settings } = deps;
  const begun = await store.inboundReads.attempts(mailbox.id, chunk.map((m) => m.id));
  if (begun.size > 0) context.log.warn({ suspects: begun.size }, 'a process stopped while reading some of these messages: reading each of them alone');

  const read = (message: GraphMailMessage): Promise<ReadMessage> => {
    const internetMessageId = ids.get(message.id)!;
    const attempts = begun.get(message.id) ?? 0;
    if (attempts >= POISON_ATTEMPTS) {
      context.log.error({ graphId: message.id, attempts }, 'message stopped the process each time it was read: dead-lettered as poison');
      return Promise.resolve({ kind: 'dead_letter', message, internetMessageId, raw: null, reasonCode: 'poison', reason: `Reading this message began ${attempts} times and each time the process stopped before it ended` });
    }
    const suspect = attempts > 0;
    return readMessage(message, internetMessageId, {
      ...(suspect ? { parseHooks: { starting: () => store.inboundReads.begin(mailbox.id, [message.id]), ended: () => store.inboundReads.end(mailbox.id, [message.id]) } } : {}),
      client: deps.clients.client(mailbox.id),
      mailboxAddress: mailbox.address,
      maxMimeBytes: settings.maxMimeBytes,
      attachments: attachments.get(message.id),
      pool: reader.pool,
      parseDeadlineMs: settings.parseDeadlineMs,
      download: reader.download,
    });
  };

  let open: string[] = [];
  let batch: ReadMessage[] = [];
  let bytes = 0;
  const commit = async () => {
    const taken = batch;
    batch = [];
    bytes = 0;
    const outcomes = await ingestBatch(store, taken, context);
    outcomes.forEach((outcome, i) => reader.recorded(outcome, taken[i]!.message));
    // ingestBatch ended their marks in its transaction.
    const committed = new Set(taken.map((item) => item.message.id));
    open = open.filter((id) => !committed.has(id));
  };
  try {
    for (const wave of readingWaves(chunk, begun)) {
      if (!reader.shouldContinue()) break;
      // Suspects mark themselves around their parse (read()); poison is not read at all.
      const marked = wave.filter((m) => !begun.has(m.id)).map((m) => m.id);
      const ended = open;
      await store.transaction(async (repos) => {
        await repos.inboundReads.end(mailbox.id, ended);
        await repos.inboundReads.begin(mailbox.id, marked);
      });
      open = marked;
      // In order, up to the first failure: what was read before it is still recorded (in `finally`).
      for (const settled of await Promise.allSettled(wave.map(read))) {
        if (settled.status === 'rejected') throw settled.reason;
        const result = settled.value;
        batch.push(result);
        bytes += heldBytes(result);
        if (batch.length >= settings.ingestBatchSize || bytes >= settings.ingestBatchBytes / 2) await commit();
      }
    }
  } finally {
    // What was read before a failure is still recorded; the next sync marks it read.
    await commit();
    // Reading stopped by an error this process handled (throttling, an outage, a stop) crashed nothing:
    // those messages are not suspects next time. A crash never gets here, which is the point.
    if (open.length > 0) await store.inboundReads.end(mailbox.id, open).catch((error: unknown) => context.log.warn({ err: error }, 'could not clear read marks'));
  }
}

/** The chunk in reading order, in waves of up to READ_WAVE; a suspect makes a wave of its own. */
function readingWaves(chunk: readonly GraphMailMessage[], begun: ReadonlyMap<string, number>): GraphMailMessage[][] {
  const waves: GraphMailMessage[][] = [];
  let wave: GraphMailMessage[] = [];
  for (const message of chunk) {
    if ((begun.get(message.id) ?? 0) > 0) {
      if (wave.length > 0) waves.push(wave);
      waves.push([message]);
      wave = [];
      continue;
    }
    wave.push(message);
    if (wave.length >= READ_WAVE) {
      waves.push(wave);
      wave = [];
    }
  }
  if (wave.length > 0) waves.push(wave);
  return waves;
}

/** The id a listed message is recorded and looked up by: Exchange's own, canonical; ours when it has none. */
function recordedMessageId(message: GraphMailMessage): string {
  return normalizeMessageId(message.internetMessageId ?? '') ?? syntheticMessageId(message.id);
}

/** Runs the work handed to it one at a time, in order. */
function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
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
 * Attachments of a page's messages that need them, fetched with the list ten messages a request instead
 * of one MIME download each. Delivery reports still need their MIME (only it has the failed recipients).
 */
async function prefetchAttachments(deps: SyncDeps, mailbox: MailboxRow, messages: readonly GraphMailMessage[]): Promise<Map<string, GraphAttachmentJson[]>> {
  const wanted = messages.filter((m) => m.body && mimeRequiredReason(m) === 'has_attachments');
  const since = wanted[0]?.receivedDateTime;
  if (!since) return new Map();
  const ids = new Set(wanted.map((m) => m.id));
  return listUnreadAttachments(deps.clients.client(mailbox.id), mailbox.address, {
    wanted: ids,
    since,
    maxPages: Math.ceil(wanted.length / 10) + 2,
    maxBytes: deps.settings.ingestBatchBytes / 4,
  });
}

/** Graph can list a message without a Message-ID (a draft-like item); give it a stable one of our own. */
function syntheticMessageId(graphId: string): string {
  return `<graph-${createHash('sha256').update(graphId).digest('hex').slice(0, 32)}@missing-message-id.invalid>`;
}
