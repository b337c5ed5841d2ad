import path from 'node:path';

/**
 * Loads an add-in module (addin/<relative>) at run time.
 *
 * Why not a plain import: the repository's tsconfig.json (Node: no DOM library, no JSX) also compiles test/,
 * and a static import would pull the add-in's .tsx and DOM code into that program. The add-in is type-checked
 * by addin/tsconfig.json instead; here each test names the few members it uses, typed with the add-in's plain
 * data types (addin/api/types.ts, addin/office/types.ts), which compile in both programs. jest still
 * transforms the module (swc, TSX), so what runs is the real add-in code.
 */
export const ADDIN_DIR = path.resolve(__dirname, '..', '..', '..', 'addin');

export function loadAddin<T>(relative: string): T {
  // A computed path on purpose: TypeScript does not follow it (see above).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(ADDIN_DIR, relative)) as T;
}
