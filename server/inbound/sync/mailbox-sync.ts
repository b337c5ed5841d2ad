import { createHash } from 'node:crypto';
import type { GraphAttachmentJson, GraphMailMessage } from '../../graph/mail-message';
import { deltaBaseline, deltaPages, isSyncStateLost } from '../../graph/inbox-delta';
import { listUnreadAttachments, listUnreadPages } from '../../graph/mail-operations';
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
import { applyAfterIngest, isRetryable } from './after-ingest';

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
  pageSize: 200,
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

/** How far back a listing after a lost delta link looks in leave_unread mode, before the last good round. */
export const RESYNC_OVERLAP_MS = 60 * 60 * 1000;

/**
 * One pass over a mailbox's Inbox. With a delta link it is a delta round: what was created or changed since
 * the last round, page by page; each page's unread messages go through the same pipeline as a listing's.
 * Without one (a new mailbox, or after Graph lost the sync state: 410) it takes a baseline first, then lists
 * the unread mail received since `sync_since` (all of it, read too, for a first sync's backfill); anything
 * arriving in between is seen by the next round and found recorded by its Message-ID.
 *
 * Each page's messages are read (from the page, or their MIME when needed), filtered and recorded in
 * batches, one transaction each; once the pass is over, the mailbox's after-ingest action (mark read, leave
 * unread, move) is applied in $batch calls of 20. Messages that cannot be processed become dead letters
 * (and get the same action) so that they never block the mailbox.
 *
 * The new delta link is stored only after everything it moves past was recorded and acted on: a pass that
 * stops early (the per-sync cap, a stop, a failure) stores none, and the next round repeats from the old
 * link, finding what was recorded already (no loss, no second ticket).
 *
 * Crash-loop protection: before messages are read, that their reading begins is committed (inbound_reads),
 * and it ends once their parse returns (see readChunk). Messages a crashed process was reading are read
 * again one at a time, so a second crash names the message that caused it; a message whose reading began
 * POISON_ATTEMPTS times without ending becomes a `poison` dead letter instead of being read again.
 */
export interface SyncPassOptions {
  /**
   * Besides the delta round, list the unread mail received since `sync_since` too. Delta only sees mail
   * received after its baseline: a message moved into the Inbox (from Junk Email, by a rule or by hand)
   * keeps its old receivedDateTime and only a listing finds it. It also retries what a failed mark-read or
   * move left behind. The scheduler asks for one every few minutes (SchedulerOptions.netListingIntervalMs).
   */
  netListing?: boolean;
}

export async function syncMailbox(deps: SyncDeps, given: MailboxRow, shouldContinue: () => boolean = () => true, options: SyncPassOptions = {}): Promise<SyncResult> {
  const { store, settings } = deps;
  // The row as it is now: the delta link and the after-ingest action change between passes.
  const mailbox = (await store.mailboxes.findById(given.id)) ?? given;
  const log = deps.logger.child({ mailbox: mailbox.address });
  const client = deps.clients.client(mailbox.id);
  const backfilling = mailbox.backfill_until !== null && mailbox.delta_synced_at === null;
  const context = { ...(await syncBatchContext(deps, mailbox, log)), ...(backfilling && mailbox.backfill_until ? { backfillUntil: mailbox.backfill_until } : {}) };
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
  let read = 0;

  /** Handles one page of messages to take: whether all of it was handled, and whether the pass may go on (the cap of messages read). */
  const handlePage = async (page: readonly GraphMailMessage[]): Promise<PageHandled> => {
    result.listed += page.length;
    for (const m of page) {
      listed.push({ id: m.id, receivedDateTime: m.receivedDateTime ?? undefined });
      if (!m.body || m.body.content.length > LARGE_BODY_CHARS) large.add(m.id);
    }
    const ids = new Map(page.map((m) => [m.id, recordedMessageId(m)]));
    // Messages recorded before a crash (or before a failed mark-read) are only acted on: no second read.
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
    read += toRead.length;
    const whole = shouldContinue();
    return { whole, more: whole && read < settings.perSyncCap };
  };

  /**
   * A delta page's unread messages (id, Message-ID, time only): recorded ones are only acted on again; the
   * others are read from a listing of unread mail received since the oldest of them, which brings their
   * bodies with the listing's safeguards (page budget, gateway timeouts, large messages from their MIME).
   * One that is no longer unread in the listing was read or moved by someone meanwhile.
   */
  const handleChanged = async (changed: readonly GraphMailMessage[]): Promise<PageHandled> => {
    const ids = new Map(changed.map((m) => [m.id, recordedMessageId(m)]));
    const known = await store.mailMessages.recordedIn(mailbox.id, [...new Set(ids.values())]);
    const wanted = new Set<string>();
    for (const m of changed) {
      if (!known.has(ids.get(m.id)!)) wanted.add(m.id);
      else {
        result.listed++;
        result.alreadyRecorded++;
        listed.push({ id: m.id, receivedDateTime: m.receivedDateTime ?? undefined });
        handled.push(m.id);
      }
    }
    const since = changed.filter((m) => wanted.has(m.id)).map((m) => m.receivedDateTime ?? '').sort()[0];
    if (since === undefined) return { whole: true, more: true };
    const pages = listUnreadPages(client, mailbox.address, {
      pageSize: settings.pageSize,
      limit: Number.MAX_SAFE_INTEGER,
      maxPageBytes: settings.ingestBatchBytes / 4,
      adaptive: deps.clients.listPageSize(mailbox.id),
      since,
    });
    for await (const page of pages) {
      const take = page.filter((m) => wanted.delete(m.id));
      if (take.length > 0) {
        const done = await handlePage(take);
        if (!done.more) return done;
      }
      if (wanted.size === 0) break;
    }
    return { whole: true, more: read < settings.perSyncCap };
  };

  // After a restore, first the mail the lost records had taken, in received order (a reply then finds its
  // request's ticket); the round waits until that is done, since it would take the unread mail out of order.
  const reread = mailbox.reread_since ? await rereadSince(deps, mailbox, mailbox.reread_since, handlePage) : true;
  if (mailbox.reread_since && reread) {
    await store.mailboxes.update(mailbox.id, { reread_since: null });
    log.info({ since: mailbox.reread_since }, 'took again the mail received since the restored backup');
  }

  let nextLink: string | undefined;
  let lost = false;
  if (mailbox.delta_link && reread) {
    try {
      nextLink = await deltaRound(deps, mailbox, mailbox.delta_link, handleChanged);
    } catch (error) {
      if (!isSyncStateLost(error)) throw error;
      lost = true;
      log.warn({ err: error }, 'the Inbox delta link no longer works: taking a new baseline and listing unread mail');
      await store.mailboxes.update(mailbox.id, { delta_link: null });
    }
  }
  if (mailbox.delta_link && reread && !lost && options.netListing && shouldContinue() && read < settings.perSyncCap) {
    // What the round took is still unread until the after-ingest action below: not the listing's to count again.
    const taken = new Set(handled);
    await listSince(deps, mailbox, { lost: false, backfilling }, async (page) => {
      const fresh = page.filter((m) => !taken.has(m.id));
      return fresh.length > 0 ? handlePage(fresh) : { whole: true, more: true };
    });
  }
  if (reread && (!mailbox.delta_link || lost)) {
    const baseline = await deltaBaseline(client, mailbox.address, new Date(), settings.ingestBatchBytes / 4);
    // A good round before and no link now: the link was lost (maybe by a pass that failed after clearing it).
    const complete = await listSince(deps, mailbox, { lost: lost || mailbox.delta_synced_at !== null, backfilling }, handlePage);
    if (complete) nextLink = baseline;
  }

  // A pass told to stop (the process is shutting down, or the lease was lost) sends no more of the action's
  // requests and leaves the rest to the next sync, which finds those messages recorded and only acts on them:
  // marking a full pass read is up to 50 $batch requests one after another, longer than a stop may take.
  const acted = await applyAfterIngest(deps.clients, mailbox, handled, large, log, shouldContinue);
  if (mailbox.after_ingest !== 'leave_unread') {
    result.markedRead = acted.done;
    result.markReadFailed = acted.failed.length;
  }
  // A retryable failure (or a stop before the end) keeps the old link, so the next round meets those messages again.
  if (nextLink && acted.skipped === 0 && !acted.failed.some((f) => isRetryable(f.error))) {
    await store.mailboxes.update(mailbox.id, { delta_link: nextLink, delta_synced_at: new Date().toISOString() });
  }

  const handledIds = new Set(handled);
  const unhandled = listed.find((m) => !handledIds.has(m.id) || acted.stillUnread.has(m.id));
  // Left unread on purpose, recorded mail is no lag: in leave_unread mode only a cap on reading means more waits.
  const capped = read >= settings.perSyncCap || (mailbox.after_ingest !== 'leave_unread' && listed.length >= settings.perSyncCap);
  result.oldestUnreadAt = unhandled?.receivedDateTime ?? (capped ? (listed.at(-1)?.receivedDateTime ?? null) : null);
  return result;
}

interface PageHandled {
  /** Every message of the page was handled (no stop came in the middle). */
  whole: boolean;
  /** The pass may go on to the next page. */
  more: boolean;
}

/**
 * One delta round from `link`: each page's unread messages (received since `sync_since`) are handled in
 * turn (see handleChanged). Returns the round's new deltaLink, or undefined when the pass stopped before the round's end.
 */
async function deltaRound(deps: SyncDeps, mailbox: MailboxRow, link: string, handleChanged: (changed: readonly GraphMailMessage[]) => Promise<PageHandled>): Promise<string | undefined> {
  // Graph gives receivedDateTime to the second: compared at that precision, mail of the chosen second counts.
  const since = mailbox.sync_since ? Math.floor(Date.parse(mailbox.sync_since) / 1000) * 1000 : undefined;
  for await (const page of deltaPages(deps.clients.client(mailbox.id), link, deps.settings.ingestBatchBytes / 4)) {
    const wanted = page.messages.filter((m) => !m['@removed'] && m.isRead === false && (since === undefined || Date.parse(m.receivedDateTime ?? '') >= since));
    const handled = wanted.length > 0 ? await handleChanged(wanted) : { whole: true, more: true };
    if (!handled.whole) return undefined;
    if (page.deltaLink) return page.deltaLink;
    // At the cap with pages left: the next round repeats from the old link, skipping what is recorded.
    if (!handled.more) return undefined;
  }
  return undefined;
}

/**
 * The listing after a baseline: unread mail received since `sync_since` (and read mail too while a first
 * sync backfills). True when it reached the end. In mark_read and move modes what was handled leaves the
 * listing, so it is capped by messages listed, as it always was; in leave_unread mode (and while
 * backfilling) recorded mail stays in it, so only messages read count towards the cap, and after a lost
 * delta link it starts an hour before the last good round rather than at the beginning.
 */
async function listSince(
  deps: SyncDeps,
  mailbox: MailboxRow,
  why: { lost: boolean; backfilling: boolean },
  handlePage: (page: readonly GraphMailMessage[]) => Promise<PageHandled>,
): Promise<boolean> {
  const { settings } = deps;
  const staysListed = mailbox.after_ingest === 'leave_unread' || why.backfilling;
  const since = listingSince(mailbox, why.lost);
  const backfillUntil = why.backfilling && mailbox.backfill_until ? Date.parse(mailbox.backfill_until) : undefined;
  const pages = listUnreadPages(deps.clients.client(mailbox.id), mailbox.address, {
    pageSize: settings.pageSize,
    limit: staysListed ? Number.MAX_SAFE_INTEGER : settings.perSyncCap,
    maxPageBytes: settings.ingestBatchBytes / 4,
    adaptive: deps.clients.listPageSize(mailbox.id),
    since,
    ...(backfillUntil !== undefined ? { includeRead: true } : {}),
  });
  let listed = 0;
  for await (const page of pages) {
    listed += page.length;
    // While backfilling, read mail counts only up to the moment the admin chose (mail read since is not new).
    const wanted = backfillUntil === undefined ? page : page.filter((m) => (m as { isRead?: boolean }).isRead !== true || Date.parse(m.receivedDateTime ?? '') < backfillUntil);
    if (wanted.length > 0 && !(await handlePage(wanted)).more) return false;
  }
  return staysListed || listed < settings.perSyncCap;
}

/**
 * After a restore (mailboxes/after-restore.ts): every Inbox message received since `since`, read or not,
 * oldest first; those not recorded are taken. The mail that the lost records had taken was marked read, so
 * neither a delta round (it takes unread mail) nor a listing of unread mail would see it again. Recorded
 * mail is left alone, not acted on again. True when the listing reached its end; the per-sync cap counts
 * messages read, as in a backfill, so each pass gets further.
 */
async function rereadSince(deps: SyncDeps, mailbox: MailboxRow, since: string, handlePage: (page: readonly GraphMailMessage[]) => Promise<PageHandled>): Promise<boolean> {
  const { settings } = deps;
  const pages = listUnreadPages(deps.clients.client(mailbox.id), mailbox.address, {
    pageSize: settings.pageSize,
    limit: Number.MAX_SAFE_INTEGER,
    maxPageBytes: settings.ingestBatchBytes / 4,
    adaptive: deps.clients.listPageSize(mailbox.id),
    since,
    includeRead: true,
  });
  for await (const page of pages) {
    const ids = page.map(recordedMessageId);
    const known = await deps.store.mailMessages.recordedIn(mailbox.id, [...new Set(ids)]);
    const fresh = page.filter((_, i) => !known.has(ids[i]!));
    if (fresh.length > 0 && !(await handlePage(fresh)).more) return false;
  }
  return true;
}

/** Where a listing after a baseline starts: `sync_since`, or in leave_unread mode after a lost link an hour before the last good round. */
export function listingSince(mailbox: Pick<MailboxRow, 'sync_since' | 'after_ingest' | 'delta_synced_at'>, lost: boolean): string | null {
  const floor = mailbox.sync_since;
  if (!lost || mailbox.after_ingest !== 'leave_unread' || !mailbox.delta_synced_at) return floor;
  const overlap = new Date(Date.parse(mailbox.delta_synced_at) - RESYNC_OVERLAP_MS).toISOString();
  return floor && floor > overlap ? floor : overlap;
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
  // The oldest of them: a delta page is in change order, not received order.
  const since = wanted.map((m) => m.receivedDateTime ?? '').sort()[0];
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
