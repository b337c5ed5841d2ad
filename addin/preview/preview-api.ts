import type { HostBody } from '../office/preview/host-port';

/**
 * The preview's calls: the demo mailbox through /preview/api (server/http/routes/preview.ts), and linking it
 * through Relaydesk's own API as the signed-in admin. Failures reject with a PreviewApiError carrying the
 * server's error code.
 */

export interface PreviewPerson {
  upn: string;
  name: string;
  role: 'admin' | 'agent';
}

export interface PreviewSetup {
  mailbox: string;
  people: PreviewPerson[];
}

export interface InboxMessage {
  id: string;
  internetMessageId: string;
  subject: string;
  from: { address: string; name: string } | null;
  to: { address: string; name: string }[];
  cc: { address: string; name: string }[];
  receivedAt: string;
  isRead: boolean;
  preview: string;
}

export const MAIL_KINDS = ['question', 'reply', 'auto-reply', 'bounce'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export class PreviewApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PreviewApiError';
  }
}

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['Authorization'] = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new PreviewApiError(0, 'network_error', error instanceof Error ? error.message : String(error));
  }
  const json = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) throw new PreviewApiError(res.status, json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? res.statusText);
  return json as T;
}

export const previewApi = {
  setup: () => call<PreviewSetup>('GET', '/preview/api/setup'),
  messages: () => call<{ mailbox: string; messages: InboxMessage[] }>('GET', '/preview/api/messages'),
  body: (id: string) => call<HostBody>('GET', `/preview/api/messages/${encodeURIComponent(id)}/body`),
  send: (kind: MailKind) => call<{ subject: string; internetMessageId: string }>('POST', '/preview/api/mail', { kind }),
  /** Starts linking `address` as the admin whose token this is; every unread email is imported (the API's default). */
  link: (address: string, token: string) => call<{ id: number; authorizeUrl: string | null }>('POST', '/api/mailboxes', { address }, token),
};
