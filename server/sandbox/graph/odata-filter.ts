import { GraphError, graphErrors } from './graph-error';

/**
 * A small OData $filter parser for message queries: comparisons (eq ne gt ge lt le) of a property path with a
 * literal, `and` / `or` / `not`, parentheses, and startswith/contains. Types are checked like Graph does, so
 * `receivedDateTime ge '2024-01-01'` (a string) is refused, as it is by Exchange.
 */

export type Literal = { type: 'string'; value: string } | { type: 'bool'; value: boolean } | { type: 'datetime'; value: number } | { type: 'number'; value: number } | { type: 'null' };
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterNode =
  | { kind: 'cmp'; op: CompareOp; property: string; literal: Literal }
  | { kind: 'func'; name: 'startswith' | 'contains'; property: string; literal: Literal }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

export type PropertyType = 'string' | 'bool' | 'datetime';

export interface ParsedFilter {
  root: FilterNode;
  /** Properties in order of first appearance (Graph's InefficientFilter rule reads this). */
  properties: string[];
}

type Token = { t: 'ident' | 'string' | 'punct' | 'word'; v: string; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw syntax(src, i);
        const d = src[j] ?? '';
        if (d === "'") {
          // OData escapes a quote by doubling it.
          if (src[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += d;
        j++;
      }
      out.push({ t: 'string', v, pos: i });
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_.:+\-/@]+/.exec(src.slice(i));
    if (!m) throw syntax(src, i);
    out.push({ t: 'word', v: m[0], pos: i });
    i += m[0].length;
  }
  return out;
}

function syntax(src: string, pos: number): GraphError {
  return graphErrors.badRequest(`Invalid filter clause: syntax error at position ${pos} in '${src}'.`);
}

export function parseFilter(src: string, types: Record<string, PropertyType>): ParsedFilter {
  const tokens = tokenize(src);
  const properties: string[] = [];
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const next = (): Token => {
    const t = tokens[p++];
    if (!t) throw syntax(src, src.length);
    return t;
  };
  const isWord = (t: Token | undefined, w: string): boolean => t?.t === 'word' && t.v.toLowerCase() === w;

  const property = (t: Token): { name: string; type: PropertyType } => {
    const canonical = Object.keys(types).find((k) => k.toLowerCase() === t.v.toLowerCase());
    if (!canonical) throw graphErrors.parseUri(`Could not find a property named '${t.v}' on type 'Microsoft.OutlookServices.Message'.`);
    if (!properties.includes(canonical)) properties.push(canonical);
    return { name: canonical, type: types[canonical] as PropertyType };
  };

  const literal = (t: Token): Literal => {
    if (t.t === 'string') return { type: 'string', value: t.v };
    const lower = t.v.toLowerCase();
    if (lower === 'true' || lower === 'false') return { type: 'bool', value: lower === 'true' };
    if (lower === 'null') return { type: 'null' };
    if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i.test(t.v)) {
      const ms = Date.parse(t.v);
      if (Number.isNaN(ms)) throw graphErrors.badRequest(`The DateTimeOffset text '${t.v}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.`);
      return { type: 'datetime', value: ms };
    }
    if (/^-?\d+(\.\d+)?$/.test(t.v)) return { type: 'number', value: Number(t.v) };
    throw syntax(src, t.pos);
  };

  const checkTypes = (prop: { name: string; type: PropertyType }, lit: Literal, op: string): void => {
    if (lit.type === 'null') return;
    const edm = (x: string): string => ({ string: 'Edm.String', bool: 'Edm.Boolean', datetime: 'Edm.DateTimeOffset', number: 'Edm.Int32' })[x] ?? x;
    if (lit.type !== prop.type) {
      throw graphErrors.badRequest(`A binary operator with incompatible types was detected. Found operand types '${edm(prop.type)}' and '${edm(lit.type)}' for operator kind '${op}'.`);
    }
  };

  const primary = (): FilterNode => {
    const t = next();
    if (t.t === 'punct' && t.v === '(') {
      const inner = orExpr();
      const close = next();
      if (close.v !== ')') throw syntax(src, close.pos);
      return inner;
    }
    if (isWord(t, 'not')) return { kind: 'not', operand: primary() };
    if (t.t === 'word' && (t.v.toLowerCase() === 'startswith' || t.v.toLowerCase() === 'contains') && peek()?.v === '(') {
      next();
      const prop = property(next());
      if (next().v !== ',') throw syntax(src, t.pos);
      const lit = literal(next());
      if (next().v !== ')') throw syntax(src, t.pos);
      if (prop.type !== 'string' || lit.type !== 'string') throw graphErrors.badRequest(`The function '${t.v}' takes string arguments.`);
      return { kind: 'func', name: t.v.toLowerCase() as 'startswith' | 'contains', property: prop.name, literal: lit };
    }
    if (t.t !== 'word') throw syntax(src, t.pos);
    const prop = property(t);
    const opTok = next();
    const op = opTok.v.toLowerCase();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw syntax(src, opTok.pos);
    const lit = literal(next());
    checkTypes(prop, lit, { eq: 'Equal', ne: 'NotEqual', gt: 'GreaterThan', ge: 'GreaterThanOrEqual', lt: 'LessThan', le: 'LessThanOrEqual' }[op] ?? op);
    return { kind: 'cmp', op: op as CompareOp, property: prop.name, literal: lit };
  };

  /** `operand (word operand)*`, left-associative: `and` binds tighter than `or` by calling it from `or`. */
  const chain =
    (word: 'and' | 'or', operand: () => FilterNode) =>
    (): FilterNode => {
      let left = operand();
      while (isWord(peek(), word)) {
        next();
        left = { kind: word, left, right: operand() };
      }
      return left;
    };
  const andExpr = chain('and', () => primary());
  const orExpr = chain('or', andExpr);

  if (tokens.length === 0) throw graphErrors.badRequest('Invalid filter clause: the filter is empty.');
  const root = orExpr();
  if (p !== tokens.length) throw syntax(src, tokens[p]?.pos ?? src.length);
  return { root, properties };
}

export type Getter = (property: string) => string | boolean | number | undefined;

export function evaluate(node: FilterNode, get: Getter): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, get) && evaluate(node.right, get);
    case 'or':
      return evaluate(node.left, get) || evaluate(node.right, get);
    case 'not':
      return !evaluate(node.operand, get);
    case 'func': {
      const v = String(get(node.property) ?? '').toLowerCase();
      const lit = node.literal.type === 'string' ? node.literal.value.toLowerCase() : '';
      return node.name === 'startswith' ? v.startsWith(lit) : v.includes(lit);
    }
    case 'cmp': {
      const v = get(node.property);
      const lit = node.literal;
      if (lit.type === 'null') return node.op === 'eq' ? v === undefined : v !== undefined;
      if (v === undefined) return node.op === 'ne';
      // Exchange compares strings case-insensitively.
      const a = typeof v === 'string' ? v.toLowerCase() : v;
      const b = lit.type === 'string' ? lit.value.toLowerCase() : lit.value;
      switch (node.op) {
        case 'eq':
          return a === b;
        case 'ne':
          return a !== b;
        case 'gt':
          return a > b;
        case 'ge':
          return a >= b;
        case 'lt':
          return a < b;
        case 'le':
          return a <= b;
      }
    }
  }
}
