import { DemoMailGenerator, startSandbox, type DemoMailKind, type RunningSandbox } from '../../server/sandbox';
import { trustCertificateAuthority } from '../../server/sandbox-mode';
import type { ChildReply, ChildRequest, Delivery, SandboxInfo } from './sandbox-protocol';

/**
 * The Exchange Online sandbox in its own process, so that its CPU time and memory are not counted as
 * Relaydesk's. It also generates and delivers the benchmark mail, so the Relaydesk process never holds the
 * raw messages either. Driven over the IPC channel of `fork` (see sandbox-protocol.ts).
 */

/** A delivery that takes longer than this is a hung sandbox, not a slow one. */
const DELIVER_TIMEOUT_MS = 30_000;

let sandbox: RunningSandbox | undefined;
type Batch = { kind: DemoMailKind; mime: Buffer; seq: number }[];
/**
 * The generated mail by the addresses it was generated for (one set per list: shared mailboxes get their own
 * copy, addressed to them), per mailbox index, in generation order; kept so it can be delivered again unchanged.
 */
const generated = new Map<string, Batch[]>();

function setKey(addresses: string[]): string {
  return addresses.map((a) => a.toLowerCase()).join('\n');
}

function batchesFor(addresses: string[]): Batch[] {
  const batches = generated.get(setKey(addresses));
  if (!batches) throw new Error(`no mail was generated for ${addresses.length} addresses starting ${addresses[0] ?? '(none)'}`);
  return batches;
}

function send(reply: ChildReply): void {
  process.send?.(reply);
}

async function generate(addresses: string[], messages: number, seed: number, customers: number): Promise<Record<string, number>> {
  const batches: Batch[] = addresses.map(() => []);
  generated.set(setKey(addresses), batches);
  // One generator per mailbox, so that replies thread onto questions sent to the same mailbox.
  const generators = addresses.map((to, i) => new DemoMailGenerator({ to, seed: seed + i, customers }));
  const kinds: Record<string, number> = {};
  for (let n = 0; n < messages; n++) {
    const i = n % addresses.length;
    const mail = await generators[i]!.next();
    batches[i]!.push({ kind: mail.kind, mime: mail.mime, seq: n });
    kinds[mail.kind] = (kinds[mail.kind] ?? 0) + 1;
  }
  return kinds;
}

async function deliverOne(address: string, mime: Buffer, receivedAt: number): Promise<{ id: string; internetMessageId: string }> {
  if (!sandbox) throw new Error('sandbox not started');
  const url = `${sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver?receivedDateTime=${new Date(receivedAt).toISOString()}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime, signal: AbortSignal.timeout(DELIVER_TIMEOUT_MS) });
  if (response.status !== 201) throw new Error(`deliver to ${address} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; internetMessageId: string };
}

/**
 * Delivers the generated mail: mailboxes in parallel, each in generation order. receivedDateTime is spaced
 * 1 ms apart by generation order, so "oldest first" lists a thread's question before its reply.
 */
async function deliver(addresses: string[], receivedBase: number, deadline: number): Promise<Delivery[]> {
  const batches = batchesFor(addresses);
  const deliveries: Delivery[] = [];
  await Promise.all(
    batches.map(async (batch, i) => {
      const address = addresses[i]!;
      for (const mail of batch) {
        if (Date.now() > deadline) throw new Error(`delivery to ${address} passed its deadline`);
        const result = await deliverOne(address, mail.mime, receivedBase + mail.seq);
        deliveries.push({ mailboxIndex: i, graphId: result.id, internetMessageId: result.internetMessageId, kind: mail.kind, deliveredAt: Date.now() });
      }
    }),
  );
  return deliveries;
}

/**
 * Delivers the kept mail at a steady pace: message n (in generation order, mailboxes interleaved) is sent at
 * start + n / perSecond, without waiting for the one before, so a slow answer does not slow the arrivals.
 */
async function deliverPaced(addresses: string[], perSecond: number, deadline: number): Promise<Delivery[]> {
  const batches = batchesFor(addresses);
  const order = batches.flatMap((batch, i) => batch.map((mail) => ({ mail, i }))).sort((a, b) => a.mail.seq - b.mail.seq);
  const start = Date.now();
  const sends: Promise<Delivery>[] = [];
  for (const [n, { mail, i }] of order.entries()) {
    const due = start + (n * 1000) / perSecond;
    if (due > deadline) throw new Error('paced delivery passed its deadline');
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(
      deliverOne(addresses[i]!, mail.mime, Date.now()).then((result) => ({ mailboxIndex: i, graphId: result.id, internetMessageId: result.internetMessageId, kind: mail.kind, deliveredAt: Date.now() })),
    );
  }
  return Promise.all(sends);
}

async function handle(request: Exclude<ChildRequest, { type: 'close' }>): Promise<ChildReply> {
  switch (request.type) {
    case 'generate':
      return { type: 'generated', id: request.id, kinds: await generate(request.addresses, request.messages, request.seed, request.customers) };
    case 'deliver':
      return { type: 'delivered', id: request.id, deliveries: await deliver(request.addresses, request.receivedBase, request.deadline) };
    case 'deliverPaced':
      return { type: 'delivered', id: request.id, deliveries: await deliverPaced(request.addresses, request.perSecond, request.deadline) };
    case 'usage':
      return { type: 'usage', id: request.id, cpu: process.cpuUsage(), rss: process.memoryUsage().rss };
  }
}

async function main(): Promise<void> {
  const dataDir = process.env['DATA_DIR'];
  if (!dataDir) throw new Error('DATA_DIR must name a temporary folder');
  sandbox = await startSandbox({ dataDir, port: 0, host: '127.0.0.1' });
  // The child delivers mail to itself over HTTPS.
  trustCertificateAuthority(sandbox.caCertPem);
  const info: SandboxInfo = {
    baseUrl: sandbox.baseUrl,
    graphBaseUrl: sandbox.graphBaseUrl,
    tenantId: sandbox.tenantId,
    authority: sandbox.authority,
    caCertPem: sandbox.caCertPem,
    app: sandbox.app,
    localhostTls: sandbox.localhostTls,
  };
  process.on('message', (raw: unknown) => {
    const request = raw as ChildRequest;
    if (request.type === 'close') {
      void shutdown(0);
      return;
    }
    handle(request).then(send, (error: unknown) => send({ type: 'error', id: request.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  });
  // The parent died or let go of us: never outlive it.
  process.on('disconnect', () => void shutdown(0));
  send({ type: 'ready', sandbox: info });
}

let closing: Promise<void> | undefined;
function shutdown(code: number): Promise<void> {
  closing ??= (async () => {
    const timer = setTimeout(() => process.exit(code), 5_000);
    timer.unref();
    try {
      await sandbox?.close();
    } finally {
      process.exit(code);
    }
  })();
  return closing;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench sandbox failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  void shutdown(1);
});
