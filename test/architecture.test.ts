import path from 'node:path';
import { buildImportGraph, loadSourceTree, resolveSpecifier, type ImportGraph, type SourceTree } from './architecture/import-graph';
import { checkArchitecture, formatViolation, OFFICE_GLOBAL, RULES, type Violation } from './architecture/rules';

/**
 * The arrows of docs/architecture.md, enforced on the real source tree. A rule that lives only in a comment
 * ("nothing imports the sandbox") drifts; this reads every import instead.
 */

const REPO = path.resolve(__dirname, '..');

const graphOf = (tree: SourceTree): ImportGraph => buildImportGraph(tree, { watchedGlobals: [OFFICE_GLOBAL] });

let realTree: Map<string, string>;
let realGraph: ImportGraph;
let realViolations: Violation[];
beforeAll(() => {
  realTree = loadSourceTree(REPO);
  realGraph = graphOf(realTree);
  realViolations = checkArchitecture(realGraph);
});

describe('the real source tree', () => {
  it('is read whole: server and add-in files, with their imports resolved', () => {
    expect(realGraph.files.size).toBeGreaterThan(150);
    expect(realGraph.files.get('server/main.ts')?.imports).toContainEqual(expect.objectContaining({ specifier: './wiring', resolved: 'server/wiring.ts' }));
    expect(realGraph.files.get('server/sandbox-mode.ts')?.imports).toContainEqual(expect.objectContaining({ resolved: 'server/sandbox/index.ts' }));
    expect(realGraph.files.get('addin/office/mailbox.ts')?.globals.length).toBeGreaterThan(0);
  });

  it('has no relative import the engine cannot follow (an unresolved one would hide an arrow)', () => {
    const unresolved = [...realGraph.files.values()].flatMap((f) => f.imports.filter((i) => i.specifier.startsWith('.') && !i.resolved).map((i) => `${f.path}:${i.line} -> ${i.specifier}`));
    expect(unresolved).toEqual([]);
  });

  it.each(RULES.map((rule) => rule.name))('keeps the rule %s', (name) => {
    expect(realViolations.filter((v) => v.rule === name).map(formatViolation)).toEqual([]);
  });
});

describe('each rule reports a wrong import added to the real tree', () => {
  /** The real tree with `file` changed; a file that moved fails here instead of leaving the case vacuous. */
  function edited(edits: Record<string, (text: string) => string>): Map<string, string> {
    const tree = new Map(realTree);
    for (const [file, edit] of Object.entries(edits)) {
      const text = tree.get(file);
      if (text === undefined) throw new Error(`${file} is not in the source tree: pick another file for this case`);
      tree.set(file, edit(text));
    }
    return tree;
  }
  const prepend = (line: string) => (text: string) => `${line}\n${text}`;
  const append = (line: string) => (text: string) => `${text}\n${line}\n`;

  /** What the edit added: violations of the edited tree that the real tree does not have (line numbers move, so they are left out). */
  function added(tree: SourceTree): Array<Pick<Violation, 'rule' | 'file' | 'target'>> {
    const key = (v: Violation) => `${v.rule}\n${v.file}\n${v.target}`;
    const before = new Set(realViolations.map(key));
    return checkArchitecture(graphOf(tree))
      .filter((v) => !before.has(key(v)))
      .map(({ rule, file, target }) => ({ rule, file, target }));
  }

  interface Case {
    name: string;
    edits: Record<string, (text: string) => string>;
    expected: Array<{ rule: string; file: string; target: unknown }>;
  }

  const cases: Case[] = [
    {
      name: 'SQL in a domain service',
      edits: { 'server/tickets/ticket-service.ts': prepend(`import { sql } from 'kysely';`) },
      expected: [{ rule: 'sql-only-in-store', file: 'server/tickets/ticket-service.ts', target: 'kysely' }],
    },
    {
      name: 'the PostgreSQL driver required outside the store',
      edits: { 'server/outbound/relay-worker.ts': append(`const pg = require('pg');`) },
      expected: [{ rule: 'sql-only-in-store', file: 'server/outbound/relay-worker.ts', target: 'pg' }],
    },
    {
      name: 'the Graph SDK (even its types) outside server/graph',
      edits: { 'server/outbound/relay-worker.ts': prepend(`import type { Client } from '@microsoft/microsoft-graph-client';`) },
      expected: [{ rule: 'graph-sdk-only-in-graph', file: 'server/outbound/relay-worker.ts', target: '@microsoft/microsoft-graph-client' }],
    },
    {
      name: 'msal-node outside server/identity',
      edits: { 'server/mailboxes/mailbox-lifecycle.ts': prepend(`import { ConfidentialClientApplication } from '@azure/msal-node';`) },
      expected: [{ rule: 'msal-node-only-in-identity', file: 'server/mailboxes/mailbox-lifecycle.ts', target: '@azure/msal-node' }],
    },
    {
      name: 'msal-browser loaded by a component',
      edits: { 'addin/components/App.tsx': append(`export const loadMsal = () => import('@azure/msal-browser');`) },
      expected: [{ rule: 'msal-browser-only-in-addin-auth', file: 'addin/components/App.tsx', target: '@azure/msal-browser' }],
    },
    {
      name: 'a component reading the Office mailbox',
      edits: { 'addin/components/TicketCard.tsx': append(`export const mailbox = () => Office.context.mailbox;`) },
      expected: [{ rule: 'office-only-in-addin-office', file: 'addin/components/TicketCard.tsx', target: 'Office.context.mailbox' }],
    },
    {
      name: 'an Office type outside addin/office',
      edits: { 'addin/state/status.ts': append(`export type Item = Office.MessageRead;`) },
      expected: [{ rule: 'office-only-in-addin-office', file: 'addin/state/status.ts', target: 'Office.MessageRead' }],
    },
    {
      name: 'Office.js types referenced outside addin/office',
      edits: { 'addin/api/client.ts': prepend(`/// <reference types="office-js" />`) },
      expected: [{ rule: 'office-only-in-addin-office', file: 'addin/api/client.ts', target: 'office-js' }],
    },
    {
      name: 'the sandbox started from inbound',
      edits: { 'server/inbound/inbound-mail.ts': prepend(`import { startSandbox } from '../sandbox';`) },
      expected: [{ rule: 'sandbox-entered-only-by-sandbox-mode', file: 'server/inbound/inbound-mail.ts', target: '../sandbox' }],
    },
    {
      name: 'the sandbox borrowing Relaydesk code',
      edits: { 'server/sandbox/throttle.ts': prepend(`import { createLogger } from '../logger';`) },
      expected: [{ rule: 'sandbox-imports-only-itself', file: 'server/sandbox/throttle.ts', target: '../logger' }],
    },
    {
      name: 'a route importing a store type',
      edits: { 'server/http/routes/dead-letters.ts': prepend(`import type { Store } from '../../store/store';`) },
      expected: [{ rule: 'http-never-imports-store', file: 'server/http/routes/dead-letters.ts', target: '../../store/store' }],
    },
    {
      name: 'the store importing domain behaviour',
      edits: { 'server/store/store.ts': prepend(`import { canTransition } from '../tickets/status';`) },
      expected: [{ rule: 'store-imports-only-words', file: 'server/store/store.ts', target: '../tickets/status' }],
    },
    {
      // A leaf module of http is no word of the domain: the store must not learn about the web through it.
      name: 'the store importing a leaf of http',
      edits: { 'server/store/migrate.ts': prepend(`import { HTTP_TIMEOUTS } from '../http/server';`) },
      expected: [{ rule: 'store-imports-only-words', file: 'server/store/migrate.ts', target: '../http/server' }],
    },
    {
      name: 'server/graph importing the config',
      edits: { 'server/graph/client.ts': prepend(`import type { Config } from '../config';`) },
      expected: [{ rule: 'graph-imports-only-words', file: 'server/graph/client.ts', target: '../config' }],
    },
    {
      name: 'a domain module importing http',
      edits: { 'server/identity/link-errors.ts': prepend(`import { linkResultPage } from '../http/link-result-page';`) },
      expected: [{ rule: 'domain-never-imports-edges', file: 'server/identity/link-errors.ts', target: '../http/link-result-page' }],
    },
    {
      // Three arrows cross at once: the domain reaches up, a non-entry imports the composition root, and since the
      // root builds the ticket service, a cycle closes through the new import.
      name: 'a domain module importing the composition root',
      edits: { 'server/tickets/ticket-service.ts': prepend(`import { createRelaydesk } from '../wiring';`) },
      expected: [
        { rule: 'domain-never-imports-edges', file: 'server/tickets/ticket-service.ts', target: '../wiring' },
        { rule: 'wiring-imported-only-by-entries', file: 'server/tickets/ticket-service.ts', target: '../wiring' },
        { rule: 'no-server-cycles', file: expect.any(String), target: expect.stringContaining('server/tickets/ticket-service.ts -> server/wiring.ts') },
      ],
    },
    {
      name: 'a non-entry importing the composition root',
      edits: { 'server/event-loop-watch.ts': prepend(`import { createRelaydesk } from './wiring';`) },
      expected: [{ rule: 'wiring-imported-only-by-entries', file: 'server/event-loop-watch.ts', target: './wiring' }],
    },
    {
      name: 'a CLI importing the entry',
      edits: { 'server/cli/dead-letters.ts': prepend(`import '../main';`) },
      expected: [{ rule: 'main-imported-by-nothing', file: 'server/cli/dead-letters.ts', target: '../main' }],
    },
    {
      name: 'two server files importing each other',
      edits: {
        'server/tickets/message-id.ts': prepend(`import { findReference } from './reference';`),
        'server/tickets/reference.ts': prepend(`import { normalizeMessageId } from './message-id';`),
      },
      expected: [{ rule: 'no-server-cycles', file: 'server/tickets/message-id.ts', target: 'server/tickets/message-id.ts -> server/tickets/reference.ts -> server/tickets/message-id.ts' }],
    },
    {
      name: 'two components importing each other, one only for a type',
      edits: { 'addin/components/StatusBadge.tsx': prepend(`import type { TicketCardProps } from './TicketCard';`) },
      expected: [{ rule: 'no-addin-cycles', file: 'addin/components/StatusBadge.tsx', target: 'addin/components/StatusBadge.tsx -> addin/components/TicketCard.tsx -> addin/components/StatusBadge.tsx' }],
    },
  ];

  it.each(cases)('$name', ({ edits, expected }) => {
    const found = added(edited(edits));
    expect(found).toHaveLength(expected.length);
    expect(found).toEqual(expect.arrayContaining(expected));
  });

  it('has a case for every rule', () => {
    const covered = new Set(cases.flatMap((c) => c.expected.map((e) => e.rule)));
    expect(RULES.map((r) => r.name).filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe('the import reader', () => {
  const tree = new Map([
    [
      'server/a.ts',
      [
        `/// <reference types="office-js" />`,
        `import { b } from './b';`,
        `import type { C } from './comp';`,
        `import { type D, type E } from './dir';`,
        `import { type F, g } from './dir';`,
        `import './side-effect.cjs';`,
        `export { h } from 'pkg-a';`,
        `export type { I } from '@scope/pkg-b/sub';`,
        `import j = require('./b');`,
        `type K = typeof import('pkg-c');`,
        `const l = () => import('./b');`,
        `const m = require('pkg-d');`,
        `import { n } from './missing';`,
        `import { o } from '../../outside';`,
      ].join('\n'),
    ],
    ['server/b.ts', ''],
    ['server/comp.tsx', ''],
    ['server/dir/index.ts', ''],
    ['server/side-effect.cjs', ''],
  ]);

  it('collects every kind of import, whether it is type-only, and where a relative one leads', () => {
    const imports = buildImportGraph(tree).files.get('server/a.ts')!.imports.map(({ specifier, kind, typeOnly, resolved }) => [specifier, kind, typeOnly, resolved]);
    expect(imports).toEqual([
      ['office-js', 'reference-types', true, undefined],
      ['./b', 'import', false, 'server/b.ts'],
      ['./comp', 'import', true, 'server/comp.tsx'],
      ['./dir', 'import', true, 'server/dir/index.ts'],
      ['./dir', 'import', false, 'server/dir/index.ts'],
      ['./side-effect.cjs', 'import', false, 'server/side-effect.cjs'],
      ['pkg-a', 'export', false, undefined],
      ['@scope/pkg-b/sub', 'export', true, undefined],
      ['./b', 'import', false, 'server/b.ts'],
      ['pkg-c', 'import-type', true, undefined],
      ['./b', 'dynamic', false, 'server/b.ts'],
      ['pkg-d', 'require', false, undefined],
      ['./missing', 'import', false, undefined],
      ['../../outside', 'import', false, undefined],
    ]);
  });

  it('resolves a directory, an ESM-style .js name and the parent folder', () => {
    expect(resolveSpecifier('server/x/y.ts', '..', new Map([['server/index.ts', '']]))).toBe('server/index.ts');
    expect(resolveSpecifier('server/y.ts', './b.js', tree)).toBe('server/b.ts');
    expect(resolveSpecifier('server/y.ts', 'b', tree)).toBeUndefined();
  });

  it('finds the Office global in value and type positions, through globalThis, and in shorthand properties', () => {
    const source = [
      `Office.onReady(() => undefined);`,
      `let item: Office.MessageRead | undefined;`,
      `type O = typeof Office;`,
      `const viaGlobal = globalThis.Office;`,
      `const hosts = { Office };`,
    ].join('\n');
    const uses = graphOf(new Map([['addin/x.ts', source]])).files.get('addin/x.ts')!.globals.map((g) => g.text);
    expect(uses).toEqual(['Office.onReady', 'Office.MessageRead', 'Office', 'globalThis.Office', 'Office']);
  });

  it('does not take property names, JSX attributes, strings, comments or a local binding for the Office global', () => {
    const properties = [
      `const a = host.Office;`,
      `const b = { Office: 1 };`,
      `interface P { Office: string }`,
      `class C { Office = 1; Office2() { return this.Office; } }`,
      `const { Office: renamed } = b;`,
      `// Office.context.mailbox`,
      `const s = 'Office.context';`,
      `export const e = <div data-x="1" {...{ Office: 1 }} />;`,
    ].join('\n');
    const local = [`import { Office } from './office-stub';`, `Office.context.mailbox;`].join('\n');
    const graph = graphOf(new Map([['addin/p.tsx', properties], ['addin/l.ts', local]]));
    expect(graph.files.get('addin/p.tsx')!.globals).toEqual([]);
    expect(graph.files.get('addin/l.ts')!.globals).toEqual([]);
  });

  it('prints each cycle as a path, including one closed by a type-only import', () => {
    const cyclic = new Map([
      ['addin/a.ts', `import { b } from './b';`],
      ['addin/b.ts', `import { c } from './c';`],
      ['addin/c.ts', `import type { A } from './a';`],
      ['addin/self.ts', `export * from './self';`],
      ['addin/d.ts', `import { a } from './a';`],
    ]);
    const cycles = checkArchitecture(graphOf(cyclic)).map((v) => `${v.rule}: ${v.target} (${v.message})`);
    expect(cycles).toEqual([
      'no-addin-cycles: addin/a.ts -> addin/b.ts -> addin/c.ts -> addin/a.ts (import cycle; type-only: addin/c.ts -> addin/a.ts)',
      'no-addin-cycles: addin/self.ts -> addin/self.ts (import cycle)',
    ]);
  });
});
