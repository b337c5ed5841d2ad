import { startRelaydeskWithSandbox } from './test/support/relaydesk-with-sandbox';
import { syncMailbox } from './server/inbound/mailbox-sync';
import { hostileMime, HOSTILE_KINDS } from './test/support/hostile-mail';
import { monitorEventLoopDelay } from 'node:perf_hooks';
(async () => {
  const rd = await startRelaydeskWithSandbox();
  const mailbox = await rd.linkMailbox('p@contoso.test');
  for (const k of HOSTILE_KINDS) await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/p@contoso.test/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: hostileMime(k, 'p') });
  const deps = rd.syncDeps();
  const store = deps.store as any;
  const orig = store.transaction.bind(store);
  store.transaction = async (w: any) => { const t = performance.now(); const r = await orig(w); const ms = performance.now() - t; if (ms > 10) console.log('transaction', ms.toFixed(1)); return r; };
  const { ingestBatch } = require('./server/inbound/ingest-batch');
  const t = performance.now();
  const r = await syncMailbox(deps, mailbox);
  console.log('sync', (performance.now() - t).toFixed(0), r);
  await rd.close();
})();
