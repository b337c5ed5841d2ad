import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, toGraphRequestError } from './errors';
import { graphErrorKind } from './failure-policy';
import { DispatchHook } from './governed-middleware';

/**
 * sendMail takes MIME as base64 text in a request Exchange caps at about 4 MB; base64 grows the message by a
 * third, so raw MIME above this does not fit one request (larger mail goes through a draft: draft-send.ts).
 */
export const MAX_SENDMAIL_MIME_BYTES = 2_900_000;

/**
 * Sends raw MIME from the mailbox; resolves when Graph accepted it (202), which is not yet delivery.
 * `beforeDispatch` runs each time the request actually leaves (see DispatchHook).
 */
export async function sendMime(client: Client, address: string, mime: Buffer, beforeDispatch?: () => Promise<void>): Promise<void> {
  await sending(beforeDispatch, (options) => client.api(`/users/${encodeURIComponent(address)}/sendMail`).header('Content-Type', 'text/plain').middlewareOptions(options).post(mime.toString('base64')));
}

/**
 * Runs a request that sends mail, with `beforeDispatch` as its DispatchHook. The hook's own error (the
 * database, say) comes out as it is; a failure of the request is classified as one that may have taken
 * effect, so that a lost answer is never read as "not sent".
 */
export async function sending<T>(beforeDispatch: (() => Promise<void>) | undefined, run: (middlewareOptions: DispatchHook[]) => Promise<T>): Promise<T> {
  // The SDK wraps whatever a middleware throws; the hook's own failure must not look like Graph's.
  let hookFailure: { error: unknown } | undefined;
  const options = beforeDispatch
    ? [
        new DispatchHook(async () => {
          try {
            await beforeDispatch();
          } catch (error) {
            hookFailure = { error };
            throw error;
          }
        }),
      ]
    : [];
  try {
    return await run(options);
  } catch (error) {
    if (hookFailure) throw hookFailure.error;
    const e = toGraphRequestError(error);
    throw new GraphRequestError(graphErrorKind(e.status, e.graphCode, { mayHaveTakenEffect: true }), e.graphCode, e.status, e.message, e.retryAfterMs, { cause: error });
  }
}

/**
 * Where our message is in the mailbox, if anywhere. Exchange saves a sent message in Drafts, moves it to the
 * Outbox, sends it when the mailbox's message rate allows, and files it in Sent Items a while later; a large
 * email is a draft of ours until its send. So: Sent Items or the Outbox, or Drafts already submitted (not a
 * draft any more), all mean Exchange has it and sends it; a draft still unsent means it was never submitted.
 */
export type MailboxCopy = { place: 'sent_items' | 'outbox' | 'submitted' } | { place: 'unsent_draft'; ids: string[] } | { place: 'absent' };

/** How a send whose answer was lost is settled without sending it twice: looks in Sent Items, the Outbox and Drafts. */
export async function findOurMessage(client: Client, address: string, internetMessageId: string): Promise<MailboxCopy> {
  const escaped = internetMessageId.replace(/'/g, "''");
  const look = async (folder: 'sentitems' | 'outbox' | 'drafts') => {
    try {
      const page = (await client
        .api(`/users/${encodeURIComponent(address)}/mailFolders/${folder}/messages`)
        .filter(`internetMessageId eq '${escaped}'`)
        .select(['id', 'isDraft'])
        .top(10)
        .get()) as { value: { id: string; isDraft?: boolean }[] };
      return page.value;
    } catch (error) {
      throw toGraphRequestError(error);
    }
  };
  if ((await look('sentitems')).length > 0) return { place: 'sent_items' };
  if ((await look('outbox')).length > 0) return { place: 'outbox' };
  const drafts = await look('drafts');
  if (drafts.some((m) => m.isDraft === false)) return { place: 'submitted' };
  return drafts.length > 0 ? { place: 'unsent_draft', ids: drafts.map((m) => m.id) } : { place: 'absent' };
}
