import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { AdaptivePageSize } from './adaptive-page-size';
import { parseRetryAfter, toGraphRequestError, GraphRequestError, graphErrorKind } from './errors';
import { GatewayTimeoutToCaller } from './governed-middleware';
import type { GraphAttachmentJson, GraphMailMessage } from './mail-message';
import { pauseMailboxOf } from './mailbox-clients';

/** Only what ingest needs; headers must be selected explicitly or Graph leaves them out. */
export const SYNC_SELECT = [
  'id',
  'internetMessageId',
  'subject',
  'from',
  'sender',
  'replyTo',
  'toRecipients',
  'ccRecipients',
  'receivedDateTime',
  'hasAttachments',
  'body',
  'internetMessageHeaders',
];

/** Messages per page when fetching attachments with the list: bounds the memory one page can take. */
export const ATTACHMENT_PAGE_SIZE = 25;

/** $batch takes at most 20 requests. */
export const BATCH_LIMIT = 20;
const MARK_READ_ATTEMPTS = 6;

export const mailboxPath = (address: string) => `/users/${encodeURIComponent(address)}`;

/** What a message is listed with when its full JSON is too large for a page of its own: its MIME is read instead. */
export const METADATA_SELECT = ['id', 'internetMessageId', 'subject', 'from', 'sender', 'receivedDateTime', 'hasAttachments'];

export interface ListPagesOptions {
  /** $top of each page. */
  pageSize: number;
  /** Messages listed in all, at most. */
  limit: number;
  /** A page's JSON is read up to this many bytes; a larger page is asked for again with half the $top. */
  maxPageBytes: number;
  /** The mailbox's page size as its gateway timeouts taught it, kept across syncs (MailboxClients.listPageSize). */
  adaptive?: AdaptivePageSize;
  /** Only mail received at or after this ISO time (the mailbox's sync_since); all unread mail without it. */
  since?: string | null;
  /** Read mail too (a first sync's backfill), with `isRead` selected so the caller can tell. */
  includeRead?: boolean;
}

/**
 * Unread inbox messages, oldest first, one page at a time: the caller handles a page before the next is
 * fetched, so a sync holds one page in memory, never its whole backlog. A page whose JSON passes
 * `maxPageBytes` is fetched again at the same position with half the $top; a single message still too
 * large comes with METADATA_SELECT only (no body), and is read from its MIME. A page answered 504 (too
 * large for Exchange's gateway to assemble in time) is asked for again the same way, and the mailbox's
 * page size shrinks for the pages and syncs that follow (AdaptivePageSize).
 *
 * Pages follow @odata.nextLink, which pages by $skip: the caller must not mark messages read before the
 * listing ends, or later pages would skip unread mail. Graph requires an $orderby property to appear first
 * in $filter (else InefficientFilter), hence the receivedDateTime clause.
 */
export async function* listUnreadPages(client: Client, address: string, options: ListPagesOptions): AsyncGenerator<GraphMailMessage[]> {
  const configured = Math.max(1, Math.min(options.pageSize, options.limit));
  const adaptive = options.adaptive ?? new AdaptivePageSize();
  const select = (options.includeRead ? [...SYNC_SELECT, 'isRead'] : SYNC_SELECT).join(',');
  const since = options.since ? new Date(options.since).toISOString().replace(/\.\d{3}Z$/, 'Z') : '1900-01-01T00:00:00Z';
  let url: string | undefined = pageUrl(`${mailboxPath(address)}/mailFolders/inbox/messages`, {
    $filter: options.includeRead ? `receivedDateTime ge ${since}` : `receivedDateTime ge ${since} and isRead eq false`,
    $orderby: 'receivedDateTime asc',
    $select: select,
    $top: String(adaptive.current(configured)),
  });
  let listed = 0;
  let nextTop = adaptive.current(configured);
  while (url && listed < options.limit) {
    const { page, top: used, timedOut } = await cappedPage(client, pageUrl(url, { $top: String(nextTop) }), options.maxPageBytes, (top) => adaptive.timedOut(top));
    if (!timedOut) adaptive.clean(configured);
    const messages = page.value.slice(0, options.limit - listed);
    listed += messages.length;
    if (messages.length > 0) yield messages;
    // Past a large message, the page size grows back step by step: large mail often comes in runs.
    nextTop = Math.min(adaptive.current(configured), used * 2);
    url = page['@odata.nextLink'] ? pageUrl(page['@odata.nextLink'], { $select: select }) : undefined;
  }
}

type MessagePage = { value: GraphMailMessage[]; '@odata.nextLink'?: string };

/**
 * The page at `url`, with $top halved until it fits in `maxBytes` and Exchange's gateway answers it in time;
 * the $top that fitted, and whether a 504 came on the way (`onGatewayTimeout` hears each one).
 */
async function cappedPage(client: Client, url: string, maxBytes: number, onGatewayTimeout: (top: number) => void): Promise<{ page: MessagePage; top: number; timedOut: boolean }> {
  let timedOut = false;
  for (let top = Number(queryValue(url, '$top') ?? '1'); ; top = Math.ceil(top / 2)) {
    const attempt = pageUrl(url, { $top: String(top) });
    try {
      return { page: JSON.parse((await getCapped(client, attempt, maxBytes, { listPage: true })).toString('utf8')) as MessagePage, top, timedOut };
    } catch (error) {
      if (isGatewayTimeout(error)) {
        timedOut = true;
        onGatewayTimeout(top);
      } else if (!(error instanceof MimeTooLargeError)) throw error;
      if (top === 1) return { page: JSON.parse((await getCapped(client, pageUrl(attempt, { $select: METADATA_SELECT.join(',') }), maxBytes, { listPage: true })).toString('utf8')) as MessagePage, top, timedOut };
    }
  }
}

/** Graph's gateway gave up on the request (504): for a list page, too much to assemble in time. */
export function isGatewayTimeout(error: unknown): boolean {
  return error instanceof GraphRequestError && error.status === 504;
}

/**
 * The attachments of `wanted` unread inbox messages, fetched with the list itself (`$expand=attachments`,
 * ten messages a request) rather than one download per message: Exchange counts each request once, so this
 * costs a tenth. The pages together are read up to `maxBytes`; past it, the listing stops there and the
 * messages it did not deliver are read from their MIME, one at a time. A page answered 504 (attachments too
 * large for the gateway to send in time) is asked for again with half the messages; when even one message's
 * times out, the listing stops there too. Messages it does not find (read or moved meanwhile) are simply
 * absent from the result.
 */
export async function listUnreadAttachments(
  client: Client,
  address: string,
  options: { wanted: ReadonlySet<string>; since: string; maxPages: number; maxBytes: number },
): Promise<Map<string, GraphAttachmentJson[]>> {
  const found = new Map<string, GraphAttachmentJson[]>();
  if (options.wanted.size === 0) return found;
  let url: string | undefined = pageUrl(`${mailboxPath(address)}/mailFolders/inbox/messages`, {
    $filter: `receivedDateTime ge ${options.since} and isRead eq false and hasAttachments eq true`,
    $orderby: 'receivedDateTime asc',
    $select: 'id',
    $expand: 'attachments',
    $top: String(ATTACHMENT_PAGE_SIZE),
  });
  let budget = options.maxBytes;
  let top = ATTACHMENT_PAGE_SIZE;
  // Smaller pages after a 504 cover the same messages in more requests.
  for (let pages = 0; url && pages < options.maxPages * Math.ceil(ATTACHMENT_PAGE_SIZE / top) && found.size < options.wanted.size && budget > 0; pages++) {
    let page: { value: { id: string; attachments?: GraphAttachmentJson[] }[]; '@odata.nextLink'?: string };
    try {
      const bytes = await getCapped(client, pageUrl(url, { $top: String(top) }), budget, { listPage: true });
      budget -= bytes.length;
      page = JSON.parse(bytes.toString('utf8')) as typeof page;
    } catch (error) {
      if (error instanceof MimeTooLargeError) break;
      if (!isGatewayTimeout(error)) throw error;
      if (top === 1) break;
      top = Math.ceil(top / 2);
      continue;
    }
    for (const m of page.value) if (options.wanted.has(m.id)) found.set(m.id, m.attachments ?? []);
    url = page['@odata.nextLink'];
  }
  return found;
}

/**
 * A GET's body, refused past `maxBytes` without holding more than that. The raw response, because the SDK's
 * stream mode drops the error JSON (and with it Graph's error code) of a failed request.
 */
export async function getCapped(client: Client, url: string, maxBytes: number, options: { listPage?: boolean; headers?: Record<string, string> } = {}): Promise<Buffer> {
  let response: Response;
  try {
    const request = client.api(url).responseType(ResponseType.RAW);
    if (options.headers) request.headers(options.headers);
    // A list page's 504 is answered by asking for a smaller page, not by asking again (see cappedPage).
    if (options.listPage) request.middlewareOptions([new GatewayTimeoutToCaller()]);
    response = (await request.get()) as Response;
  } catch (error) {
    throw toGraphRequestError(error);
  }
  if (!response.ok) throw await errorOf(response);
  if (!response.body) return Buffer.alloc(0);
  // Refused before reading a byte when the size is declared. A compressed body's length is not its size.
  const declared = response.headers.get('content-length');
  const knownBytes = declared !== null && !response.headers.get('content-encoding') ? Number(declared) : undefined;
  if (knownBytes !== undefined && knownBytes > maxBytes) {
    await response.body.cancel();
    throw new MimeTooLargeError(maxBytes);
  }
  return readAll(response.body, maxBytes, Number.isSafeInteger(knownBytes) ? knownBytes : undefined);
}

/** Graph's `{"error":{"code","message"}}` of a failed response, read up to 64 KB. */
async function errorOf(response: Response): Promise<GraphRequestError> {
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = response.body ? (JSON.parse((await readAll(response.body, 64 * 1024)).toString('utf8')) as typeof body) : {};
  } catch {
    // Not JSON (a gateway's HTML page): the status decides alone.
  }
  const code = body.error?.code ?? `http_${response.status}`;
  return new GraphRequestError(graphErrorKind(response.status, code), code, response.status, body.error?.message ?? code, parseRetryAfter(response.headers.get('Retry-After')));
}

/** `url` (relative or absolute) with these query parameters set. */
export function pageUrl(url: string, params: Record<string, string>): string {
  const parsed = new URL(url, RELATIVE_BASE);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.origin === RELATIVE_BASE ? `${parsed.pathname}${parsed.search}` : parsed.toString();
}

function queryValue(url: string, name: string): string | null {
  return new URL(url, RELATIVE_BASE).searchParams.get(name);
}

const RELATIVE_BASE = 'https://relative.invalid';

export class MimeTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The message is larger than ${maxBytes} bytes`);
    this.name = 'MimeTooLargeError';
  }
}

/** The message's full MIME (for attachments and delivery reports), refused past `maxBytes`. */
export async function getMime(client: Client, address: string, messageId: string, maxBytes: number): Promise<Buffer> {
  return getCapped(client, `${mailboxPath(address)}/messages/${encodeURIComponent(messageId)}/$value`, maxBytes);
}

export interface MarkReadResult {
  /** Marked read, or gone (deleted or moved since listing): nothing left to do for them. */
  done: string[];
  failed: { id: string; error: GraphRequestError }[];
  /** Not tried, since `mayContinue` said stop (the process is shutting down): left as they were. */
  skipped: string[];
}

/**
 * Marks messages read with $batch, 20 per request. Sub-requests throttled inside a batch (429 with
 * Retry-After) pause the mailbox's governor and are retried after the wait; `onThrottled` hears each wait.
 *
 * Graph answers each PATCH with the whole message, body included. For `large` messages that answer is
 * megabytes a $batch would have to parse on the event loop, so they are marked one request each, and
 * only the status of the answer is read.
 */
export async function markRead(
  client: Client,
  address: string,
  ids: readonly string[],
  onThrottled: (ms: number) => void = () => undefined,
  large: ReadonlySet<string> = new Set(),
  mayContinue: () => boolean = () => true,
): Promise<MarkReadResult> {
  return eachInBatches(client, ids, (id) => ({ method: 'PATCH', url: `${mailboxPath(address)}/messages/${encodeURIComponent(id)}`, body: { isRead: true } }), onThrottled, large, mayContinue);
}

/** One write per message, as eachInBatches sends it. */
export interface MessageWrite {
  method: 'PATCH' | 'POST';
  url: string;
  body: Record<string, unknown>;
}

/**
 * Sends one write per message with $batch, 20 per request (markRead, moveMessages). A 2xx or a 404 (the
 * message is gone: deleted or moved meanwhile) is done. Sub-requests throttled inside a batch (429 with
 * Retry-After) pause the mailbox's governor and are retried after the wait; `onThrottled` hears each wait.
 * `large` messages go one request each, reading only the answer's status (see markRead). Before each request
 * (and each retry) `mayContinue` is asked: a stop must not wait for dozens of requests one after another, so
 * the writes not yet sent are left as `skipped`.
 */
export async function eachInBatches(
  client: Client,
  ids: readonly string[],
  write: (id: string) => MessageWrite,
  onThrottled: (ms: number) => void = () => undefined,
  large: ReadonlySet<string> = new Set(),
  mayContinue: () => boolean = () => true,
): Promise<MarkReadResult> {
  const result: MarkReadResult = { done: [], failed: [], skipped: [] };
  for (const id of ids.filter((i) => large.has(i))) {
    if (!mayContinue()) {
      result.skipped.push(id);
      continue;
    }
    const one = write(id);
    try {
      const request = client.api(one.url).responseType(ResponseType.RAW);
      const response = (await (one.method === 'PATCH' ? request.patch(one.body) : request.post(one.body))) as Response;
      if (response.ok || response.status === 404) {
        await response.body?.cancel();
        result.done.push(id);
      } else result.failed.push({ id, error: await errorOf(response) });
    } catch (error) {
      result.failed.push({ id, error: toGraphRequestError(error) });
    }
  }
  ids = ids.filter((i) => !large.has(i));
  for (let start = 0; start < ids.length; start += BATCH_LIMIT) {
    let pending = ids.slice(start, start + BATCH_LIMIT);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (!mayContinue()) {
        result.skipped.push(...pending);
        break;
      }
      const retry: string[] = [];
      let waitMs = 0;
      let responses: BatchResponse[];
      try {
        const body = {
          requests: pending.map((id, i) => {
            const one = write(id);
            return { id: String(i), method: one.method, url: one.url, headers: { 'Content-Type': 'application/json' }, body: one.body };
          }),
        };
        responses = ((await client.api('/$batch').post(body)) as { responses: BatchResponse[] }).responses;
      } catch (error) {
        const graphError = toGraphRequestError(error);
        for (const id of pending) result.failed.push({ id, error: graphError });
        break;
      }
      for (const response of responses) {
        const id = pending[Number(response.id)];
        if (id === undefined) continue;
        if (response.status < 300 || response.status === 404) {
          result.done.push(id);
          continue;
        }
        const code = response.body?.error?.code ?? `http_${response.status}`;
        const kind = graphErrorKind(response.status, code);
        const wait = parseRetryAfter(headerValue(response.headers, 'Retry-After')) ?? 1000 * attempt;
        // The envelope answered 200, so the governed middleware never saw this 429: hold the whole mailbox
        // here, or the mailbox's other requests run into the same throttle.
        if (kind === 'throttled') pauseMailboxOf(client, wait);
        if ((kind === 'throttled' || kind === 'transient') && attempt < MARK_READ_ATTEMPTS) {
          retry.push(id);
          waitMs = Math.max(waitMs, wait);
          continue;
        }
        result.failed.push({ id, error: new GraphRequestError(kind, code, response.status, response.body?.error?.message ?? code) });
      }
      if (retry.length > 0) {
        onThrottled(waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
      pending = retry;
    }
  }
  return result;
}

interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { error?: { code?: string; message?: string } };
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : undefined;
}

/**
 * The whole body, refused past `maxBytes` (reading stops there rather than holding a huge message). The
 * bytes land in shared memory, copied once: a parse worker then reads these very bytes, where a plain
 * buffer would be copied again, on the event loop, to reach it. With a known length (no content coding)
 * each chunk goes straight to its place as it arrives.
 */
async function readAll(stream: ReadableStream<Uint8Array> | NodeJS.ReadableStream, maxBytes: number, knownBytes?: number): Promise<Buffer> {
  const chunks = stream as AsyncIterable<Uint8Array | string>;
  if (knownBytes !== undefined && knownBytes <= maxBytes) {
    const out = Buffer.from(new SharedArrayBuffer(knownBytes));
    let size = 0;
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size + bytes.length > knownBytes) throw new MimeTooLargeError(maxBytes);
      out.set(bytes, size);
      size += bytes.length;
    }
    return out.subarray(0, size);
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) throw new MimeTooLargeError(maxBytes);
    parts.push(bytes);
  }
  const out = Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
