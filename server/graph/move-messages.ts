import type { Client } from '@microsoft/microsoft-graph-client';
import { eachInBatches, mailboxPath, type MarkReadResult } from './mail-operations';

/**
 * Moves messages to a folder with $batch, 20 per request: Graph answers 201 with the message under its new
 * id. A 404 means the message is gone already (moved or deleted by someone): nothing left to do for it.
 * Throttled sub-requests are retried as markRead retries them.
 */
export function moveMessages(
  client: Client,
  address: string,
  ids: readonly string[],
  destinationId: string,
  onThrottled: (ms: number) => void = () => undefined,
  large: ReadonlySet<string> = new Set(),
  mayContinue: () => boolean = () => true,
): Promise<MarkReadResult> {
  return eachInBatches(client, ids, (id) => ({ method: 'POST', url: `${mailboxPath(address)}/messages/${encodeURIComponent(id)}/move`, body: { destinationId } }), onThrottled, large, mayContinue);
}
