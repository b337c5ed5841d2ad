import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import type { GraphEndpoint } from './client';
import { DEFAULT_RETRY, GovernedMiddleware, type RetryPolicy, type TokenSource } from './governed-middleware';
import { MailboxGovernor, type GovernorOptions } from './governor';

export interface MailboxClientOptions {
  governor?: GovernorOptions;
  retry?: RetryPolicy;
}

/**
 * One Graph client and one governor per mailbox, kept for the life of the process, so every caller (sync,
 * mark-read, relay) shares the mailbox's limits.
 */
export class MailboxClients {
  private readonly entries = new Map<number, { client: Client; governor: MailboxGovernor }>();
  private requests = 0;
  private units = 0;

  constructor(
    private readonly endpoint: GraphEndpoint,
    private readonly tokenFor: (mailboxId: number, forceRefresh: boolean) => Promise<string>,
    private readonly options: MailboxClientOptions = {},
  ) {}

  client(mailboxId: number): Client {
    return this.entry(mailboxId).client;
  }

  /** HTTP requests sent and the throttling units they cost ($batch sub-requests count one each). */
  counters(): { requests: number; units: number } {
    return { requests: this.requests, units: this.units };
  }

  forget(mailboxId: number): void {
    this.entries.delete(mailboxId);
  }

  private entry(mailboxId: number) {
    let entry = this.entries.get(mailboxId);
    if (!entry) {
      const governor = new MailboxGovernor(this.options.governor);
      const token: TokenSource = (forceRefresh) => this.tokenFor(mailboxId, forceRefresh);
      const governed = new GovernedMiddleware(governor, token, this.options.retry ?? DEFAULT_RETRY, (units) => {
        this.requests += 1;
        this.units += units;
      });
      governed.setNext(new HTTPMessageHandler());
      const url = new URL(this.endpoint.baseUrl);
      const client = Client.initWithMiddleware({
        baseUrl: `${url.origin}/`,
        defaultVersion: url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0',
        customHosts: new Set(this.endpoint.customHosts),
        middleware: governed,
      });
      entry = { client, governor };
      this.entries.set(mailboxId, entry);
    }
    return entry;
  }
}
