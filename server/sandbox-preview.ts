import { createGraphClient, type GraphClient } from './graph/client';
import { listInbox, readMessageBody, type InboxListItem, type MessageBody } from './graph/inbox-listing';
import type { PreviewMailbox, PreviewMailKind } from './http/routes/preview';
import { SANDBOX_DEMO, type SandboxEndpoints } from './sandbox-mode';

/**
 * The demo mailbox as the preview at `/` shows it (sandbox mode only; wiring.ts builds it when the sandbox runs).
 *
 * It reads the Inbox as Outlook does, through Microsoft Graph (server/graph) with the mailbox owner's own
 * delegated token, so the list is what any mail client of the sandbox would see: read state after Relaydesk
 * marks mail read, messages gone once moved. The token, and demo mail from customers, come from the sandbox's
 * control API over HTTPS, the same way tests and operators use it; nothing here imports the sandbox itself.
 * (A control-API endpoint listing the Inbox would have been a second, sandbox-only copy of Graph's listing.)
 */

/** The newest messages shown: a demo inbox, not an archive. */
const LIST_SIZE = 50;
/** A token is replaced this long before it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** Only reading: the preview never changes the mailbox itself. */
const SCOPES = ['Mail.Read'];

export class SandboxPreviewMailbox implements PreviewMailbox {
  readonly address = SANDBOX_DEMO.mailbox;
  readonly people = SANDBOX_DEMO.people;
  private readonly graph: GraphClient;
  private token: { value: string; expiresAt: number } | null = null;

  constructor(private readonly sandbox: Pick<SandboxEndpoints, 'baseUrl' | 'graphBaseUrl'>) {
    const host = new URL(sandbox.baseUrl).hostname;
    this.graph = createGraphClient({ baseUrl: sandbox.graphBaseUrl, customHosts: [host] }, () => this.accessToken());
  }

  list(): Promise<InboxListItem[]> {
    return listInbox(this.graph, this.address, LIST_SIZE);
  }

  body(id: string): Promise<MessageBody> {
    return readMessageBody(this.graph, this.address, id);
  }

  async send(kind: PreviewMailKind): Promise<{ subject: string; internetMessageId: string }> {
    const delivered = await this.control<{ subject: string; internetMessageId: string }>(`/sandbox/mailboxes/${encodeURIComponent(this.address)}/demo-mail`, { kind });
    return { subject: delivered.subject, internetMessageId: delivered.internetMessageId };
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > Date.now()) return this.token.value;
    const issued = await this.control<{ access_token: string; expires_in: number }>('/sandbox/tokens', { upn: this.address, scopes: SCOPES });
    this.token = { value: issued.access_token, expiresAt: Date.now() + issued.expires_in * 1000 };
    return issued.access_token;
  }

  private async control<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.sandbox.baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control API ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}
