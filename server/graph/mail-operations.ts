import type { Client } from '@microsoft/microsoft-graph-client';
import { parseRetryAfter, toGraphRequestError, GraphRequestError, graphErrorKind } from './errors';

/** A message as Graph's list returns it with SYNC_SELECT (Graph's own JSON names). */
export interface GraphMailMessage {
  id: string;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: GraphRecipient | null;
  sender?: GraphRecipient | null;
  replyTo?: GraphRecipient[];
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  receivedDateTime?: string;
  hasAttachments?: boolean;
  body?: { contentType: 'html' | 'text'; content: string };
  internetMessageHeaders?: { name: string; value: string }[];
}

export interface GraphRecipient {
  emailAddress?: { name?: string | null; address?: string | null };
}

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
export const ATTACHMENT_PAGE_SIZE = 10;

/** $batch takes at most 20 requests. */
export const BATCH_LIMIT = 20;
const MARK_READ_ATTEMPTS = 6;

const mailboxPath = (address: string) => `/users/${encodeURIComponent(address)}`;

/**
 * Unread inbox messages, oldest first, following @odata.nextLink until `limit` messages. Graph requires an
 * $orderby property to appear first in $filter (else InefficientFilter), hence the receivedDateTime clause.
 */
export async function listUnreadInbox(client: Client, address: string, options: { pageSize: number; limit: number }): Promise<GraphMailMessage[]> {
  const messages: GraphMailMessage[] = [];
  try {
    let page = (await client
      .api(`${mailboxPath(address)}/mailFolders/inbox/messages`)
      .filter('receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false')
      .orderby('receivedDateTime asc')
      .select(SYNC_SELECT)
      .top(Math.min(options.pageSize, options.limit))
      .get()) as { value: GraphMailMessage[]; '@odata.nextLink'?: string };
    for (;;) {
      messages.push(...page.value);
      const next = page['@odata.nextLink'];
      if (!next || messages.length >= options.limit) break;
      page = (await client.api(next).get()) as typeof page;
    }
  } catch (error) {
    throw toGraphRequestError(error);
  }
  return messages.slice(0, options.limit);
}

/**
 * The attachments of `wanted` unread inbox messages, fetched with the list itself (`$expand=attachments`,
 * ten messages a request) rather than one download per message: Exchange counts each request once, so this
 * costs a tenth. Messages it does not find (read or moved meanwhile) are simply absent from the result.
 */
export async function listUnreadAttachments(
  client: Client,
  address: string,
  options: { wanted: ReadonlySet<string>; since: string; maxPages: number },
): Promise<Map<string, GraphAttachmentJson[]>> {
  const found = new Map<string, GraphAttachmentJson[]>();
  if (options.wanted.size === 0) return found;
  try {
    let page = (await client
      .api(`${mailboxPath(address)}/mailFolders/inbox/messages`)
      .filter(`receivedDateTime ge ${options.since} and isRead eq false and hasAttachments eq true`)
      .orderby('receivedDateTime asc')
      .select(['id'])
      .expand('attachments')
      .top(ATTACHMENT_PAGE_SIZE)
      .get()) as { value: { id: string; attachments?: GraphAttachmentJson[] }[]; '@odata.nextLink'?: string };
    for (let pages = 1; ; pages++) {
      for (const m of page.value) if (options.wanted.has(m.id)) found.set(m.id, m.attachments ?? []);
      const next = page['@odata.nextLink'];
      if (!next || found.size >= options.wanted.size || pages >= options.maxPages) break;
      page = (await client.api(next).get()) as typeof page;
    }
  } catch (error) {
    throw toGraphRequestError(error);
  }
  return found;
}

export interface GraphAttachmentJson {
  '@odata.type'?: string;
  name?: string | null;
  contentType?: string | null;
  size?: number;
  isInline?: boolean;
  contentId?: string | null;
  contentBytes?: string | null;
}

export class MimeTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The message is larger than ${maxBytes} bytes`);
    this.name = 'MimeTooLargeError';
  }
}

/** The message's full MIME (for attachments and delivery reports), refused past `maxBytes`. */
export async function getMime(client: Client, address: string, messageId: string, maxBytes: number): Promise<Buffer> {
  let stream: ReadableStream<Uint8Array> | NodeJS.ReadableStream;
  try {
    stream = (await client.api(`${mailboxPath(address)}/messages/${encodeURIComponent(messageId)}/$value`).getStream()) as typeof stream;
  } catch (error) {
    throw toGraphRequestError(error);
  }
  return readAll(stream, maxBytes);
}

export interface MarkReadResult {
  /** Marked read, or gone (deleted or moved since listing): nothing left to do for them. */
  done: string[];
  failed: { id: string; error: GraphRequestError }[];
}

/**
 * Marks messages read with $batch, 20 per request. Sub-requests throttled inside a batch (429 with
 * Retry-After) are retried after the wait; `onThrottled` lets the mailbox's governor pause as well.
 */
export async function markRead(client: Client, address: string, ids: readonly string[], onThrottled: (ms: number) => void = () => undefined): Promise<MarkReadResult> {
  const result: MarkReadResult = { done: [], failed: [] };
  for (let start = 0; start < ids.length; start += BATCH_LIMIT) {
    let pending = ids.slice(start, start + BATCH_LIMIT);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: string[] = [];
      let waitMs = 0;
      let responses: BatchResponse[];
      try {
        const body = {
          requests: pending.map((id, i) => ({
            id: String(i),
            method: 'PATCH',
            url: `${mailboxPath(address)}/messages/${encodeURIComponent(id)}`,
            headers: { 'Content-Type': 'application/json' },
            body: { isRead: true },
          })),
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
        if ((kind === 'throttled' || kind === 'transient') && attempt < MARK_READ_ATTEMPTS) {
          retry.push(id);
          waitMs = Math.max(waitMs, parseRetryAfter(headerValue(response.headers, 'Retry-After')) ?? 1000 * attempt);
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

async function readAll(stream: ReadableStream<Uint8Array> | NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    // Stop reading at the cap rather than holding a huge message in memory.
    if (size > maxBytes) throw new MimeTooLargeError(maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
