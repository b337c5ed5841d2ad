import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from './errors';
import type { GraphMailMessage } from './mail-message';
import { getCapped, isGatewayTimeout, mailboxPath, MimeTooLargeError, pageUrl } from './mail-operations';

/**
 * The Inbox's delta query (`/mailFolders/inbox/messages/delta`): a baseline taken once, then rounds that
 * return what was created or changed since the stored link. Graph encodes the $select and $filter of the
 * baseline into every link that follows.
 */

/**
 * What a round reads of each changed message: enough to tell new unread mail (its Message-ID against the
 * records, its time against sync_since), never the body. A body-sized page could not be got past (a round's
 * $select is fixed, so a message too large for any page would stop the link for good), and every mark-read
 * comes back as a change: with bodies, a round would download each message twice.
 */
export const DELTA_SELECT = ['id', 'internetMessageId', 'receivedDateTime', 'isRead'];

/**
 * How far before our own clock's now a baseline starts: mail stamped by an Exchange clock a little behind
 * ours, received just after the baseline, must still be in scope. The initial round then returns the
 * Inbox's last minutes (ids and times only), which the sync ignores (the listing that follows takes them).
 */
export const BASELINE_MARGIN_MS = 5 * 60 * 1000;

/** Graph documents odata.maxpagesize as the page size of a delta round. */
export const DELTA_PAGE_SIZE = 100;

/** A message of a delta page; removals (moved out, deleted) carry `@removed`. */
export type DeltaMessage = GraphMailMessage & { isRead?: boolean; '@removed'?: { reason?: string } };

export interface DeltaPage {
  messages: DeltaMessage[];
  /** Where the round goes on, when there is more. */
  nextLink?: string;
  /** Where the next round starts, on the round's last page. */
  deltaLink?: string;
}

type DeltaBody = { value?: DeltaMessage[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

/**
 * The round's start for a mailbox without a delta link: only mail received from `now` (less
 * BASELINE_MARGIN_MS) on is in scope, so the initial round (what the Inbox held) is nearly empty and costs
 * a request or so; mail received since is the concern of the next round. Returns the deltaLink.
 */
export async function deltaBaseline(client: Client, address: string, now: Date, maxBytes: number): Promise<string> {
  const from = new Date(now.getTime() - BASELINE_MARGIN_MS);
  let url: string | undefined = pageUrl(`${mailboxPath(address)}/mailFolders/inbox/messages/delta`, {
    $select: DELTA_SELECT.join(','),
    $filter: `receivedDateTime ge ${from.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
  });
  // Mail received meanwhile may already show in the initial round: the listing that follows the baseline
  // reads it, so this walk only needs the link.
  for (let pages = 0; url; pages++) {
    const body = await deltaRequest(client, url, maxBytes);
    if (body['@odata.deltaLink']) return body['@odata.deltaLink'];
    url = body['@odata.nextLink'];
    if (pages > 10_000) break;
  }
  throw new GraphRequestError('transient', 'delta_without_link', 200, 'The delta round ended without a deltaLink');
}

/**
 * The pages of one delta round from `link` (a stored deltaLink or a nextLink), the caller handling each
 * before the next is fetched. A page too large for `maxBytes` (or too slow for the gateway) is asked for
 * again with half the page size; a single message still too large throws DeltaPageTooLargeError. Pages
 * carry no bodies (DELTA_SELECT), so they do not teach the listings' adaptive page size.
 */
export async function* deltaPages(client: Client, link: string, maxBytes: number): AsyncGenerator<DeltaPage> {
  let url: string | undefined = link;
  while (url) {
    const body = await deltaRequest(client, url, maxBytes);
    const page: DeltaPage = { messages: body.value ?? [] };
    if (body['@odata.nextLink']) page.nextLink = body['@odata.nextLink'];
    else if (body['@odata.deltaLink']) page.deltaLink = body['@odata.deltaLink'];
    else throw new GraphRequestError('transient', 'delta_without_link', 200, 'A delta page came without a nextLink or deltaLink');
    yield page;
    url = page.nextLink;
  }
}

async function deltaRequest(client: Client, url: string, maxBytes: number): Promise<DeltaBody> {
  for (let size = DELTA_PAGE_SIZE; ; size = Math.ceil(size / 2)) {
    try {
      const bytes = await getCapped(client, url, maxBytes, { listPage: true, headers: { Prefer: `odata.maxpagesize=${size}` } });
      return JSON.parse(bytes.toString('utf8')) as DeltaBody;
    } catch (error) {
      if (!(error instanceof MimeTooLargeError) && !isGatewayTimeout(error)) throw error;
      if (size === 1) throw new DeltaPageTooLargeError();
    }
  }
}

/** One message's JSON passes the page budget: the delta link cannot carry the sync past it (its $select is fixed). */
export class DeltaPageTooLargeError extends Error {
  constructor() {
    super('A delta page of one message is larger than the page budget');
    this.name = 'DeltaPageTooLargeError';
  }
}

/** The delta link no longer works: the round must start again from a baseline (Graph: 410, or a corrupt token). */
export function isSyncStateLost(error: unknown): boolean {
  if (error instanceof DeltaPageTooLargeError) return true;
  if (!(error instanceof GraphRequestError)) return false;
  if (error.status === 410) return true;
  return ['SyncStateNotFound', 'syncStateNotFound', 'resyncRequired', 'ErrorInvalidSyncStateData', 'SyncStateInvalid'].includes(error.graphCode);
}
