import path from 'node:path';
import { isRelative, packageName, type ImportGraph, type ModuleImport } from './import-graph';

/**
 * The arrows between Relaydesk's parts (docs/architecture.md), as rules over the import graph. Each rule
 * names the files and imports that cross it, so a failure says what to move.
 */

export interface Violation {
  rule: string;
  file: string;
  line: number;
  /** The import specifier, the Office.js use, or the cycle, as a reader would search for it. */
  target: string;
  message: string;
}

export interface Rule {
  name: string;
  check(graph: ImportGraph): Violation[];
}

/** The global the task pane's host modules, and only they, may touch. */
export const OFFICE_GLOBAL = 'Office';

const DOMAIN = ['server/tickets/', 'server/inbound/', 'server/outbound/', 'server/identity/', 'server/mailboxes/'];
const EDGES = ['server/http/', 'server/cli/', 'server/wiring.ts', 'server/main.ts', 'server/sandbox-mode.ts', 'server/sandbox-preview.ts'];
const OFFICE_PACKAGES = ['@microsoft/office-js', 'office-js', '@types/office-js'];

/**
 * The page entries that webpack builds besides the task pane (webpack.config.js `entry`). Each is a page of
 * its own whose whole job is an MSAL step, so it imports msal-browser directly instead of through addin/auth:
 * redirect.html runs msal-browser's redirect bridge and nothing else; sign-in.html is the Office dialog that
 * signs in where nested app authentication is missing (its MSAL configuration still comes from addin/auth).
 */
const MSAL_BROWSER_PAGES = ['addin/redirect.ts', 'addin/sign-in-dialog.ts'];

const under = (file: string, prefixes: readonly string[]): boolean => prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

/** Where an import leads in the repository: its resolved file, or for a relative one that did not resolve, the path it names. */
function targetPath(file: string, imp: ModuleImport): string | undefined {
  if (imp.resolved) return imp.resolved;
  return isRelative(imp.specifier) ? path.posix.normalize(path.posix.join(path.posix.dirname(file), imp.specifier)) : undefined;
}

function* importsOf(graph: ImportGraph): Generator<{ file: string; imp: ModuleImport; target: string | undefined }> {
  for (const [file, facts] of graph.files) {
    for (const imp of facts.imports) yield { file, imp, target: targetPath(file, imp) };
  }
}

function violation(rule: string, file: string, imp: ModuleImport, message: string): Violation {
  return { rule, file, line: imp.line, target: imp.specifier, message };
}

/** Only files `allowed` may import `packages` (or their subpaths). */
function packageOnlyIn(name: string, packages: readonly string[], allowed: (file: string) => boolean, message: string): Rule {
  return {
    name,
    check: (graph) => {
      const found: Violation[] = [];
      for (const { file, imp } of importsOf(graph)) {
        const pkg = packageName(imp.specifier);
        if (pkg && packages.includes(pkg) && !allowed(file)) found.push(violation(name, file, imp, message));
      }
      return found;
    },
  };
}

/** Files in `from` may not import anything `forbidden` says of the target path. */
function noImports(name: string, from: (file: string) => boolean, forbidden: (target: string, file: string) => boolean, message: string): Rule {
  return {
    name,
    check: (graph) => {
      const found: Violation[] = [];
      for (const { file, imp, target } of importsOf(graph)) {
        if (target !== undefined && from(file) && forbidden(target, file)) found.push(violation(name, file, imp, message));
      }
      return found;
    },
  };
}

/**
 * Words: server modules that import nothing of server/ themselves (statuses, kinds, states as `as const`
 * arrays, the private-file helper). Depending on a word does not pull the domain's behaviour in with it.
 * The entries and the sandbox have no words for the layers below, even where a file of theirs is a leaf.
 */
export function wordsOf(graph: ImportGraph): Set<string> {
  const words = new Set<string>();
  for (const [file, facts] of graph.files) {
    if (!file.startsWith('server/') || under(file, EDGES) || file.startsWith('server/sandbox/')) continue;
    if (!facts.imports.some((imp) => targetPath(file, imp)?.startsWith('server/'))) words.add(file);
  }
  return words;
}

/** A layer that may reach outside its folder only for words. */
function onlyWordsOutside(name: string, folder: string, layer: string): Rule {
  return {
    name,
    check: (graph) => {
      const words = wordsOf(graph);
      const found: Violation[] = [];
      for (const { file, imp, target } of importsOf(graph)) {
        if (!file.startsWith(folder) || target === undefined || !target.startsWith('server/') || target.startsWith(folder)) continue;
        if (words.has(target)) continue;
        found.push(violation(name, file, imp, `${layer} may import from outside ${folder} only words (modules that import nothing of server/); ${target} is not one`));
      }
      return found;
    },
  };
}

/** Tarjan's strongly connected components of `edges`; each component of two or more files, or one that imports itself, is a cycle. */
export function stronglyConnected(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return components;
}

/** The shortest cycle through `start` inside `component`, as a path: start -> ... -> start. */
function cycleThrough(start: string, component: ReadonlySet<string>, edges: ReadonlyMap<string, readonly string[]>): string[] {
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i += 1) {
    const v = queue[i]!;
    for (const w of edges.get(v) ?? []) {
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (component.has(w) && !cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * No import cycles among the files under `root`. Type-only imports count: a cycle of types still means two
 * files that cannot be understood, or moved, one without the other.
 */
function noCycles(name: string, root: string): Rule {
  return {
    name,
    check: (graph) => {
      const nodes = [...graph.files.keys()].filter((f) => f.startsWith(root)).sort();
      const edges = new Map<string, string[]>();
      const lines = new Map<string, number>();
      /** Edges made only of type-only imports: named in the message, since they are the cheapest to cut. */
      const typeOnly = new Map<string, boolean>();
      for (const file of nodes) {
        const targets = new Set<string>();
        for (const imp of graph.files.get(file)!.imports) {
          if (imp.resolved?.startsWith(root) && graph.files.has(imp.resolved)) {
            targets.add(imp.resolved);
            const edge = `${file}\n${imp.resolved}`;
            if (!lines.has(edge)) lines.set(edge, imp.line);
            typeOnly.set(edge, (typeOnly.get(edge) ?? true) && imp.typeOnly);
          }
        }
        edges.set(file, [...targets].sort());
      }
      const found: Violation[] = [];
      for (const component of stronglyConnected(nodes, edges)) {
        const [first] = component;
        if (first === undefined || (component.length === 1 && !edges.get(first)!.includes(first))) continue;
        const cycle = cycleThrough(first, new Set(component), edges);
        const others = component.length > cycle.length - 1 ? ` (one of the cycles among ${component.length} files: ${component.join(', ')})` : '';
        const steps = cycle.slice(1).map((to, n) => ({ from: cycle[n]!, to }));
        const typeEdges = steps.filter((s) => typeOnly.get(`${s.from}\n${s.to}`)).map((s) => `${s.from} -> ${s.to}`);
        const types = typeEdges.length > 0 ? `; type-only: ${typeEdges.join(', ')}` : '';
        found.push({ rule: name, file: first, line: lines.get(`${first}\n${cycle[1]}`) ?? 0, target: cycle.join(' -> '), message: `import cycle${others}${types}` });
      }
      return found;
    },
  };
}

export const RULES: readonly Rule[] = [
  packageOnlyIn('sql-only-in-store', ['kysely', 'pg', 'better-sqlite3'], (f) => f.startsWith('server/store/'), 'only server/store/ talks to the database'),
  packageOnlyIn('graph-sdk-only-in-graph', ['@microsoft/microsoft-graph-client'], (f) => f.startsWith('server/graph/'), 'only server/graph/ talks to Microsoft Graph; use its types'),
  packageOnlyIn('msal-node-only-in-identity', ['@azure/msal-node'], (f) => f.startsWith('server/identity/'), 'only server/identity/ does OAuth with Microsoft'),
  packageOnlyIn('msal-browser-only-in-addin-auth', ['@azure/msal-browser'], (f) => f.startsWith('addin/auth/') || MSAL_BROWSER_PAGES.includes(f), 'only addin/auth/ (and the MSAL pages) sign in with msal-browser'),
  {
    name: 'office-only-in-addin-office',
    check: (graph) => {
      const found: Violation[] = [];
      for (const [file, facts] of graph.files) {
        if (!file.startsWith('addin/') || file.startsWith('addin/office/')) continue;
        for (const imp of facts.imports) {
          if (OFFICE_PACKAGES.includes(packageName(imp.specifier) ?? '')) found.push(violation('office-only-in-addin-office', file, imp, 'only addin/office/ loads Office.js'));
        }
        for (const use of facts.globals) {
          if (use.name === OFFICE_GLOBAL) found.push({ rule: 'office-only-in-addin-office', file, line: use.line, target: use.text, message: 'only addin/office/ touches Office.js; pass what it returns as plain data or functions' });
        }
      }
      return found;
    },
  },
  noImports(
    'sandbox-entered-only-by-sandbox-mode',
    (f) => !f.startsWith('server/sandbox/') && f !== 'server/sandbox-mode.ts',
    (t) => t.startsWith('server/sandbox/'),
    'only server/sandbox-mode.ts starts the sandbox; everything else reaches it over HTTP like Microsoft',
  ),
  noImports(
    'sandbox-imports-only-itself',
    (f) => f.startsWith('server/sandbox/'),
    (t) => !t.startsWith('server/sandbox/'),
    'the sandbox is a separate server standing in for Microsoft: it shares no code with Relaydesk',
  ),
  noImports('http-never-imports-store', (f) => f.startsWith('server/http/'), (t) => t.startsWith('server/store/'), 'http reaches the store only through domain services (not even for types)'),
  onlyWordsOutside('store-imports-only-words', 'server/store/', 'the store'),
  onlyWordsOutside('graph-imports-only-words', 'server/graph/', 'server/graph'),
  noImports('domain-never-imports-edges', (f) => under(f, DOMAIN), (t) => under(t, EDGES), 'the domain is called by http, the CLIs and the composition root, never the other way'),
  noImports(
    'wiring-imported-only-by-entries',
    (f) => f !== 'server/main.ts' && !f.startsWith('server/cli/'),
    (t) => t === 'server/wiring.ts',
    'only the entries (server/main.ts, server/cli/) build the system with the composition root',
  ),
  noImports('main-imported-by-nothing', () => true, (t) => t === 'server/main.ts', 'server/main.ts is the entry: nothing imports it'),
  noCycles('no-server-cycles', 'server/'),
  noCycles('no-addin-cycles', 'addin/'),
];

export function checkArchitecture(graph: ImportGraph, rules: readonly Rule[] = RULES): Violation[] {
  return rules.flatMap((rule) => rule.check(graph));
}

export function formatViolation(v: Violation): string {
  return `[${v.rule}] ${v.file}:${v.line} -> ${v.target}: ${v.message}`;
}
