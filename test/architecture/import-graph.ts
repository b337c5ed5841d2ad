import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of Relaydesk's source, read from the syntax alone (no type checker, no program): parsing a
 * few hundred files this way takes well under a second, and it works on a plain map of path -> text, so the
 * architecture rules can be tested against virtual trees as easily as against the real one.
 */

/** Repository-relative POSIX path -> source text. */
export type SourceTree = ReadonlyMap<string, string>;

export type ImportKind =
  | 'import' // import ... from 'x', import 'x', import x = require('x')
  | 'export' // export ... from 'x'
  | 'dynamic' // import('x')
  | 'require' // require('x')
  | 'import-type' // typeof import('x'), import('x').T in a type position
  | 'reference-types'; // /// <reference types="x" />

export interface ModuleImport {
  specifier: string;
  kind: ImportKind;
  /** Erased at compile time: `import type`, `export type`, every specifier marked `type`, or a type position. */
  typeOnly: boolean;
  /** Repository path of a relative specifier's target; undefined for packages and unresolvable paths. */
  resolved?: string;
  line: number;
}

/** A use of a watched global identifier (such as `Office`) that is not a property name or a local binding. */
export interface GlobalReference {
  name: string;
  line: number;
  /** The source text around the use, e.g. `Office.context.mailbox`. */
  text: string;
}

export interface SourceFile {
  path: string;
  imports: ModuleImport[];
  globals: GlobalReference[];
}

export interface ImportGraph {
  /** Every scanned file, by repository path. */
  files: ReadonlyMap<string, SourceFile>;
}

export interface GraphOptions {
  /** Global identifiers whose uses are collected (see GlobalReference). */
  watchedGlobals?: readonly string[];
}

/** What the architecture reads: Relaydesk's server and its task pane. Tests are not part of the design's arrows. */
export const SCANNED_ROOTS = ['server', 'addin'] as const;

const SCANNED = /\.(ts|tsx|cjs|mjs|js)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

export function isScanned(file: string): boolean {
  return SCANNED.test(file) && !file.endsWith('.d.ts') && !file.split('/').includes('node_modules');
}

/** Reads the real tree from disk: every scanned file under SCANNED_ROOTS. */
export function loadSourceTree(repoRoot: string): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(rel);
      } else if (entry.isFile() && isScanned(rel)) {
        tree.set(rel, fs.readFileSync(path.join(repoRoot, rel), 'utf8'));
      }
    }
  };
  for (const root of SCANNED_ROOTS) walk(root);
  return tree;
}

/**
 * Parsed files by path, watched globals and text. Only resolution depends on the rest of the tree, so the
 * rules' own tests, which check many copies of the real tree with one file changed, parse each file once.
 */
const parsed = new Map<string, SourceFile>();

export function buildImportGraph(tree: SourceTree, options: GraphOptions = {}): ImportGraph {
  const watched = [...new Set(options.watchedGlobals ?? [])].sort();
  const files = new Map<string, SourceFile>();
  for (const [file, text] of tree) {
    if (!isScanned(file)) continue;
    const key = `${file}\0${watched.join(',')}\0${text}`;
    let facts = parsed.get(key);
    if (!facts) {
      facts = readSourceFile(file, text, new Set(watched));
      parsed.set(key, facts);
    }
    const imports = facts.imports.map((entry): ModuleImport => {
      const target = resolveSpecifier(file, entry.specifier, tree);
      return target === undefined ? entry : { ...entry, resolved: target };
    });
    files.set(file, { path: file, imports, globals: facts.globals });
  }
  return { files };
}

/** A relative specifier's target in the tree, the way the TypeScript sources are written (no extension, or a directory's index). */
export function resolveSpecifier(from: string, specifier: string, tree: SourceTree): string | undefined {
  if (!isRelative(specifier)) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\/$/, '');
  if (base === '..' || base.startsWith('../')) return undefined;
  for (const suffix of RESOLVE_SUFFIXES) {
    if (tree.has(base + suffix)) return base + suffix;
  }
  // ESM-style `./x.js` naming the TypeScript source `./x.ts`.
  const js = /\.(c|m)?js$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    for (const ext of ['.ts', '.tsx', '.cts', '.mts']) if (tree.has(stem + ext)) return stem + ext;
  }
  return undefined;
}

export function isRelative(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/** The package a bare specifier names: `@azure/msal-browser/redirect-bridge` -> `@azure/msal-browser`, `node:fs` -> `node:fs`. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.ts')) return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}

function readSourceFile(file: string, text: string, watched: ReadonlySet<string>): SourceFile {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const imports: ModuleImport[] = [];
  const candidates: ts.Identifier[] = [];
  const declared = new Set<string>();
  const lineOf = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const add = (node: ts.Node, specifier: ts.Expression | ts.ModuleReference | undefined, kind: ImportKind, typeOnly: boolean): void => {
    if (specifier && ts.isStringLiteralLike(specifier)) imports.push({ specifier: specifier.text, kind, typeOnly, line: lineOf(node) });
  };

  for (const ref of source.typeReferenceDirectives) {
    imports.push({ specifier: ref.fileName, kind: 'reference-types', typeOnly: true, line: source.getLineAndCharacterOfPosition(ref.pos).line + 1 });
  }

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, 'import', isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, 'export', isTypeOnlyExport(node));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, 'import', node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, first, 'dynamic', false);
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node, first, 'require', false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, 'import-type', true);
    }
    if (watched.size > 0) {
      const name = declarationName(node);
      if (name) declared.add(name);
      if (ts.isIdentifier(node) && watched.has(node.text)) candidates.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const globals: GlobalReference[] = [];
  for (const id of candidates) {
    if (declared.has(id.text) && !viaGlobalObject(id)) continue;
    if (!isReference(id)) continue;
    globals.push({ name: id.text, line: lineOf(id), text: usageText(id, source) });
  }
  return { path: file, imports, globals };
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import 'x'` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  // `import { type A, type B } from 'x'` is erased too: this repository does not compile with verbatimModuleSyntax.
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/**
 * The name a node binds in the file. The scope is the whole file, not the block: a file that names something
 * `Office` anywhere is trusted to mean its own binding. That cannot miss a global use in practice (the pane's
 * files have no reason to shadow Office), and it keeps this a syntax walk instead of a binder.
 */
function declarationName(node: ts.Node): string | undefined {
  if (
    ts.isVariableDeclaration(node) ||
    ts.isParameter(node) ||
    ts.isBindingElement(node) ||
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isClassDeclaration(node) ||
    ts.isClassExpression(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isTypeParameterDeclaration(node) ||
    ts.isImportClause(node) ||
    ts.isNamespaceImport(node) ||
    ts.isImportSpecifier(node) ||
    ts.isImportEqualsDeclaration(node)
  ) {
    return node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
  }
  // `declare namespace Office {}` augments the global one: still Office.js, so it does not count as a local name.
  return undefined;
}

/** `window.Office`, `globalThis.Office`, `self.Office`: the global reached through the global object. */
function viaGlobalObject(id: ts.Identifier): boolean {
  const parent = id.parent;
  return ts.isPropertyAccessExpression(parent) && parent.name === id && ts.isIdentifier(parent.expression) && ['window', 'globalThis', 'self'].includes(parent.expression.text);
}

/** Whether an identifier names a binding (value or type), rather than being a property, member or label name. */
function isReference(id: ts.Identifier): boolean {
  if (viaGlobalObject(id)) return true;
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent)) return parent.expression === id;
  if (ts.isQualifiedName(parent)) return parent.left === id;
  if (ts.isExportSpecifier(parent)) return !parent.parent.parent.moduleSpecifier && (parent.propertyName ?? parent.name) === id;
  if (ts.isImportSpecifier(parent)) return false;
  if (ts.isBindingElement(parent)) return parent.initializer === id;
  if (ts.isPropertyAssignment(parent)) return parent.initializer === id;
  if (ts.isShorthandPropertyAssignment(parent)) return true; // `{ Office }` reads Office
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent) || ts.isModuleDeclaration(parent)) return false;
  // The name of a declaration, member or JSX attribute; what it is initialized with is still a reference.
  const named = parent as ts.Node & { name?: ts.Node };
  return named.name !== id;
}

/** The member chain an identifier starts (`Office.context.mailbox`), for a message a reader can search for. */
function usageText(id: ts.Identifier, source: ts.SourceFile): string {
  let node: ts.Node = viaGlobalObject(id) ? id.parent : id;
  for (;;) {
    const parent = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) node = parent;
    else if (ts.isQualifiedName(parent) && parent.left === node) node = parent;
    else return node.getText(source);
  }
}
