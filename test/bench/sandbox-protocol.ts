/** Messages between the benchmark (parent) and its sandbox child process, over the IPC channel of `fork`. */

/** What the parent needs of the running sandbox (RunningSandbox minus close). */
export interface SandboxInfo {
  baseUrl: string;
  graphBaseUrl: string;
  tenantId: string;
  authority: string;
  caCertPem: string;
  /** clientCertificatePem: the app's certificate (key and certificate), for an instance in application mode. */
  app: { clientId: string; clientSecret: string; apiAudience: string; apiScope: string; clientCertificatePem: string; clientCertificatePath: string };
  /** A certificate for localhost signed by the sandbox CA: a Relaydesk server serves it so notifications reach it. */
  localhostTls: { certPem: string; keyPem: string };
}

/** One delivered message; `deliveredAt` is the child's Date.now() when the sandbox answered 201. */
export interface Delivery {
  mailboxIndex: number;
  graphId: string;
  internetMessageId: string;
  kind: string;
  deliveredAt: number;
}

export type ChildRequest =
  /**
   * Generate `messages` demo messages addressed round-robin to `addresses`, and keep them (a set per address
   * list: another list gets its own). `customers`: how many distinct customers write the mail (DemoMailOptions.customers).
   */
  | { type: 'generate'; id: number; addresses: string[]; messages: number; seed: number; customers: number }
  /** Deliver the messages kept for `addresses` (again): those of mailbox index i to addresses[i]. */
  | { type: 'deliver'; id: number; addresses: string[]; receivedBase: number; deadline: number }
  /**
   * Deliver the kept messages as they would arrive: interleaved across mailboxes in generation order, at
   * `perSecond` in all, each received now.
   */
  | { type: 'deliverPaced'; id: number; addresses: string[]; perSecond: number; deadline: number }
  /** The child's CPU time and RSS so far. */
  | { type: 'usage'; id: number }
  | { type: 'close'; id: number };

export type ChildReply =
  | { type: 'ready'; sandbox: SandboxInfo }
  | { type: 'generated'; id: number; kinds: Record<string, number> }
  | { type: 'delivered'; id: number; deliveries: Delivery[] }
  | { type: 'usage'; id: number; cpu: NodeJS.CpuUsage; rss: number }
  | { type: 'error'; id: number; message: string };
