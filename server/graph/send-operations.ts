import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';
import { DispatchHook } from './governed-middleware';

/**
 * sendMail takes MIME as base64 text in a request Exchange caps at about 4 MB; base64 grows the message by a
 * third, so raw MIME above this does not fit one request.
 */
export const MAX_SENDMAIL_MIME_BYTES = 2_900_000;

/**
 * Sends raw MIME from the mailbox; resolves when Graph accepted it (202), which is not yet delivery.
 * `beforeDispatch` runs each time the request actually leaves (see DispatchHook).
 */
export async function sendMime(client: Client, address: string, mime: Buffer, beforeDispatch?: () => Promise<void>): Promise<void> {
  // The SDK wraps whatever a middleware throws; the hook's own error (the database, say) must come out as it is.
  let hookFailure: { error: unknown } | undefined;
  try {
    const request = client.api(`/users/${encodeURIComponent(address)}/sendMail`).header('Content-Type', 'text/plain');
    if (beforeDispatch) {
      const hook = new DispatchHook(async () => {
        try {
          await beforeDispatch();
        } catch (error) {
          hookFailure = { error };
          throw error;
        }
      });
      request.middlewareOptions([hook]);
    }
    await request.post(mime.toString('base64'));
  } catch (error) {
    if (hookFailure) throw hookFailure.error;
    throw toGraphRequestError(error);
  }
}

/**
 * Whether a message with this Message-ID is in the mailbox's Sent Items: how a send whose answer was lost is
 * settled without sending it twice. (Exchange files the copy shortly after accepting the message.)
 */
export async function isInSentItems(client: Client, address: string, internetMessageId: string): Promise<boolean> {
  try {
    const escaped = internetMessageId.replace(/'/g, "''");
    const page = (await client
      .api(`/users/${encodeURIComponent(address)}/mailFolders/sentitems/messages`)
      .filter(`internetMessageId eq '${escaped}'`)
      .select(['id'])
      .top(1)
      .get()) as { value: unknown[] };
    return page.value.length > 0;
  } catch (error) {
    throw toGraphRequestError(error);
  }
}
