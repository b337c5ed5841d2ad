import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DB } from './schema';

/** Stands in for a parameter while the query is compiled; found again by identity in Kysely's parameter list. */
class Slot {
  constructor(readonly name: string) {}
}

interface Template {
  sql: string;
  /** Per compiled parameter: the name of the argument it takes, or the constant the builder put there. */
  parameters: readonly ({ slot: string } | { constant: unknown })[];
}

export type PreparedQuery<Args extends Record<string, unknown>, Row> = (db: Kysely<DB>, args: Args) => Promise<Row[]>;

/**
 * A read made on every API request, built and compiled by Kysely once per dialect and then run with
 * new arguments. Kysely builds each query as a tree of frozen nodes and compiles it to SQL on every call;
 * for the pane's lookups that cost more than SQLite's own work (`npm run bench -- --scenario api`).
 *
 * `build` must use each argument as one plain value (`where(col, '=', args.x)`, `limit(args.n)`), never
 * inspect or transform it, nor pass an array: each is a placeholder when the query is compiled. A query
 * whose SQL does not use every argument is refused at its first run.
 */
export function preparedQuery<Args extends Record<string, unknown>, Row>(names: readonly (keyof Args & string)[], build: (db: Kysely<DB>, args: Args) => Compilable<Row>): PreparedQuery<Args, Row> {
  // The SQL text depends on the dialect alone: keyed by its adapter, which a transaction's handle shares with the store's.
  const templates = new WeakMap<object, Template>();
  return async (db, args) => {
    const dialect = db.getExecutor().adapter;
    let template = templates.get(dialect);
    if (!template) {
      template = compileTemplate(names, (slots) => build(db, slots as Args).compile());
      templates.set(dialect, template);
    }
    const parameters = template.parameters.map((p) => ('slot' in p ? args[p.slot] : p.constant));
    const result = await db.executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
    return result.rows;
  };
}

function compileTemplate(names: readonly string[], compile: (slots: Record<string, Slot>) => CompiledQuery): Template {
  const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)]));
  const compiled = compile(slots);
  const parameters = compiled.parameters.map((value) => (value instanceof Slot ? { slot: value.name } : { constant: value }));
  for (const name of names) {
    const uses = parameters.filter((p) => 'slot' in p && p.slot === name).length;
    if (uses === 0) throw new Error(`prepared query: argument ${name} is not in ${compiled.sql}`);
  }
  return { sql: compiled.sql, parameters };
}
