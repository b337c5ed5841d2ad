import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, parseRetryAfter, toGraphRequestError } from './errors';
import { graphErrorKind } from './failure-policy';
import { governorOf } from './mailbox-clients';
import { sending } from './send-operations';

/**
 * Mail too large for one sendMail request, sent the way Graph's "Attach large files to Outlook messages"
 * describes: a draft made from the email's MIME without its large files, each file of 3 MB or more attached
 * through an upload session (PUTs of at most 4 MB to a pre-authenticated URL, in order), smaller ones posted
 * whole, then the draft's send. Up to 150 MB a message.
 */

/** Graph posts files under this size whole; an upload session refuses them (createUploadSession). */
export const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;
/** The most one upload PUT carries ("up to 4 MB each time"). */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
/** Exchange Online's largest message, attachments at their file size (Graph: files up to 150 MB). */
export const MAX_MESSAGE_BYTES = 150 * 1024 * 1024;
/** Graph's upper bound for a file posted whole to a message's attachments. */
const POSTED_WHOLE_MAX_BYTES = UPLOAD_SESSION_MIN_BYTES;
const UPLOAD_RETRIES = 5;
const UPLOAD_TIMEOUT_MS = 120_000;

export interface DraftFile {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

function users(address: string): string {
  return `/users/${encodeURIComponent(address)}`;
}

/** Creates a draft in Drafts from raw MIME (its Message-ID and headers kept); returns the draft's id. */
export async function createDraft(client: Client, address: string, mime: Buffer): Promise<string> {
  try {
    const created = (await client.api(`${users(address)}/messages`).header('Content-Type', 'text/plain').post(mime.toString('base64'))) as { id: string };
    return created.id;
  } catch (error) {
    throw toGraphRequestError(error);
  }
}

/** Attaches a file to the draft: whole when small, else through an upload session. */
export async function attachFile(client: Client, address: string, draftId: string, file: DraftFile): Promise<void> {
  if (file.content.length < POSTED_WHOLE_MAX_BYTES) {
    try {
      await client.api(`${users(address)}/messages/${encodeURIComponent(draftId)}/attachments`).post({
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: file.filename,
        contentType: file.contentType,
        contentBytes: file.content.toString('base64'),
        isInline: file.inline,
        ...(file.contentId ? { contentId: file.contentId } : {}),
      });
    } catch (error) {
      throw toGraphRequestError(error);
    }
    return;
  }
  let session: { uploadUrl: string };
  try {
    session = (await client.api(`${users(address)}/messages/${encodeURIComponent(draftId)}/attachments/createUploadSession`).post({
      AttachmentItem: { attachmentType: 'file', name: file.filename, size: file.content.length, contentType: file.contentType, isInline: file.inline, ...(file.contentId ? { contentId: file.contentId } : {}) },
    })) as { uploadUrl: string };
  } catch (error) {
    throw toGraphRequestError(error);
  }
  for (let start = 0; start < file.content.length; start += UPLOAD_CHUNK_BYTES) {
    await putRange(client, session.uploadUrl, file.content, start, Math.min(file.content.length, start + UPLOAD_CHUNK_BYTES));
  }
}

/**
 * One range of the file to the upload URL. The URL is pre-authenticated, so the request carries no token and
 * leaves without the Graph SDK; the mailbox's governor still admits it (a slot, and its bytes against the
 * IncomingBytes budget) and obeys a Retry-After it answers.
 */
async function putRange(client: Client, url: string, file: Buffer, start: number, end: number): Promise<void> {
  const governor = governorOf(client);
  const body = file.subarray(start, end);
  for (let attempt = 0; ; attempt++) {
    const release = governor ? await governor.acquire(1, 1, body.length) : () => undefined;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${start}-${end - 1}/${file.length}` },
        body,
        signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
      });
    } catch (error) {
      // The range may have arrived; the session would refuse it twice. The caller starts the draft over.
      throw new GraphRequestError(graphErrorKind(0, 'network'), 'network', 0, error instanceof Error ? error.message : String(error), undefined, { cause: error });
    } finally {
      release();
    }
    if (response.ok) {
      await response.arrayBuffer();
      return;
    }
    const text = await response.text();
    let code = `http_${response.status}`;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
    } catch {
      // Not Graph's JSON: the status alone names it.
    }
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
    const kind = graphErrorKind(response.status, code);
    if (kind === 'throttled' && attempt < UPLOAD_RETRIES) {
      governor?.pauseFor(retryAfter ?? 1000 * 2 ** attempt);
      continue;
    }
    throw new GraphRequestError(kind, code, response.status, `upload of bytes ${start}-${end - 1} refused: ${text.slice(0, 300)}`, retryAfter);
  }
}

/**
 * Sends the draft; resolves when Graph accepted it (202). `beforeDispatch` runs when the request leaves. A
 * draft sends once: once sent it moves on and its id with it, so a repeated send finds nothing to send.
 */
export async function sendDraft(client: Client, address: string, draftId: string, beforeDispatch?: () => Promise<void>): Promise<void> {
  await sending(beforeDispatch, (options) => client.api(`${users(address)}/messages/${encodeURIComponent(draftId)}/send`).middlewareOptions(options).post(undefined));
}

/** Deletes a draft that will not be sent (a failed build); one already gone is fine. */
export async function deleteDraft(client: Client, address: string, draftId: string): Promise<void> {
  try {
    await client.api(`${users(address)}/messages/${encodeURIComponent(draftId)}`).delete();
  } catch (error) {
    const e = toGraphRequestError(error);
    if (e.kind !== 'not_found' && e.kind !== 'bad_request') throw e;
  }
}
