import fs from 'node:fs';
import path from 'node:path';

/**
 * `node --import tsx test/bench/profile-summary.ts FILE.cpuprofile [TOP]`: where the time went in a CPU
 * profile (from BENCH_CPU_PROFILE or `node --cpu-prof`): self time by package, self time by function, and
 * total (inclusive) time of Relaydesk's own functions.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, '../..');

function where(url: string): string {
  if (!url) return '(native / V8)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1]!;
  if (file.startsWith('node:')) return 'node (built-in)';
  return path.relative(ROOT, file);
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'}  ${where(url)}:${lineNumber + 1}`;
}

function top(map: Map<string, number>, n: number, totalMs: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${k}`);
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
  const n = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByPackage = new Map<string, number>();
  const chargedByPackage = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const totalByOwnFunction = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const pkg = where(node.callFrame.url);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + ms);
    // Native time (SQLite, TLS, JSON...) charged to the nearest JavaScript caller that has a file.
    let caller: number | undefined = id;
    while (caller !== undefined && !byId.get(caller)!.callFrame.url) caller = parent.get(caller);
    const charged = caller === undefined ? `${node.callFrame.functionName || '(native)'} (no JS caller)` : where(byId.get(caller)!.callFrame.url);
    chargedByPackage.set(charged, (chargedByPackage.get(charged) ?? 0) + ms);
    selfByFunction.set(functionKey(node), (selfByFunction.get(functionKey(node)) ?? 0) + ms);
    // Inclusive time of Relaydesk's functions (server/), each counted once per sample despite recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (!frame.callFrame.url.includes('/server/')) continue;
      const key = functionKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      totalByOwnFunction.set(key, (totalByOwnFunction.get(key) ?? 0) + ms);
    }
  });
  const out = [
    `${file}: ${(totalMs / 1000).toFixed(2)} s sampled, ${(idleMs / 1000).toFixed(2)} s idle (${((100 * idleMs) / totalMs).toFixed(1)}%)`,
    '',
    'Self time by package / file:',
    ...top(selfByPackage, n, totalMs),
    '',
    'Self time by package / file, native time charged to its JavaScript caller:',
    ...top(chargedByPackage, n, totalMs),
    '',
    'Self time by function:',
    ...top(selfByFunction, n, totalMs),
    '',
    'Total (inclusive) time of server/ functions:',
    ...top(totalByOwnFunction, n, totalMs),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
