import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { AdaptivePageSize } from './adaptive-page-size';
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
  private readonly pageSizes = new Map<number, AdaptivePageSize>();
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

  /** The list page size this mailbox's gateway timeouts taught (see AdaptivePageSize). */
  listPageSize(mailboxId: number): AdaptivePageSize {
    let size = this.pageSizes.get(mailboxId);
    if (!size) {
      size = new AdaptivePageSize();
      this.pageSizes.set(mailboxId, size);
    }
    return size;
  }

  /** HTTP requests sent and the throttling units they cost ($batch sub-requests count one each). */
  counters(): { requests: number; units: number } {
    return { requests: this.requests, units: this.units };
  }

  forget(mailboxId: number): void {
    this.entries.delete(mailboxId);
    this.pageSizes.delete(mailboxId);
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
      governors.set(client, governor);
      this.entries.set(mailboxId, entry);
    }
    return entry;
  }
}

/** Each mailbox client's governor, so that code holding only the client can pause the mailbox. */
const governors = new WeakMap<Client, MailboxGovernor>();

/**
 * Holds every request to the client's mailbox for `ms` (a Retry-After that reached the caller inside a
 * $batch answer, which the governed middleware does not read). A client without a governor is left alone.
 */
export function pauseMailboxOf(client: Client, ms: number): void {
  governors.get(client)?.pauseFor(ms);
}

/** The governor of a mailbox client: requests that leave without the Graph SDK (uploads) wait on it too. */
export function governorOf(client: Client): MailboxGovernor | undefined {
  return governors.get(client);
}
