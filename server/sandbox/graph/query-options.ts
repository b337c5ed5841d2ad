import { GraphError, graphErrors } from './graph-error';
import { DEFAULT_PROPERTIES, FILTER_TYPES, MESSAGE_PROPERTIES, ORDERABLE, type MessageProperty } from './message-json';
import { parseFilter, type ParsedFilter } from './odata-filter';

/** OData system query options of message requests, validated the way Exchange validates them. */

export const DEFAULT_TOP = 10;
export const MAX_TOP = 1000;

export interface MessageQuery {
  select: MessageProperty[];
  top: number;
  skip: number;
  filter?: ParsedFilter;
  orderBy: { property: string; desc: boolean }[];
  /** $expand=attachments, optionally with a nested $select. */
  expandAttachments?: { select?: string[] };
  count: boolean;
}

const KNOWN_OPTIONS = new Set(['$select', '$top', '$skip', '$filter', '$orderby', '$expand', '$count', '$skiptoken', '$deltatoken', '$search', '$format']);

export function parseMessageQuery(q: URLSearchParams, allowed: { orderBy: boolean; skip: boolean } = { orderBy: true, skip: true }): MessageQuery {
  for (const key of q.keys()) {
    if (key.startsWith('$') && !KNOWN_OPTIONS.has(key.toLowerCase())) throw graphErrors.badRequest(`Query option '${key}' is not allowed.`);
  }
  if (q.has('$search')) throw graphErrors.badRequest('$search is not supported by the Relaydesk sandbox.');
  const query: MessageQuery = { select: parseSelect(q.get('$select')), top: parseTop(q.get('$top')), skip: 0, orderBy: [], count: q.get('$count') === 'true' };
  const skip = q.get('$skip');
  if (skip !== null) {
    if (!allowed.skip) throw graphErrors.badRequest("Query option '$skip' is not allowed.");
    if (!/^\d+$/.test(skip)) throw graphErrors.badRequest(`Invalid value '${skip}' for query option '$skip'.`);
    query.skip = Number(skip);
  }
  const filter = q.get('$filter');
  if (filter !== null) query.filter = parseFilter(filter, FILTER_TYPES);
  const orderBy = q.get('$orderby');
  if (orderBy !== null) {
    if (!allowed.orderBy) throw graphErrors.badRequest("Query option '$orderby' is not allowed.");
    query.orderBy = parseOrderBy(orderBy);
  }
  if (query.filter && query.orderBy.length > 0) checkEfficient(query.filter, query.orderBy);
  const expand = q.get('$expand');
  if (expand !== null) {
    const expansion = parseExpand(expand);
    if (expansion) query.expandAttachments = expansion;
  }
  return query;
}

export function parseSelect(raw: string | null): MessageProperty[] {
  if (raw === null || raw.trim() === '') return [...DEFAULT_PROPERTIES];
  const out: MessageProperty[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const canonical = MESSAGE_PROPERTIES.find((p) => p.toLowerCase() === part.toLowerCase());
    if (!canonical) throw graphErrors.parseUri(`Could not find a property named '${part}' on type 'Microsoft.OutlookServices.Message'.`);
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

export function parseTop(raw: string | null, max = MAX_TOP): number {
  if (raw === null) return DEFAULT_TOP;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new GraphError(400, 'ErrorInvalidUrlQuery', `The value of the parameter '$top' is invalid: it must be an integer between 1 and ${max}.`);
  return n;
}

function parseOrderBy(raw: string): { property: string; desc: boolean }[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((clause) => {
      const [name = '', dir = 'asc', ...rest] = clause.split(/\s+/);
      const property = Object.keys(ORDERABLE).find((k) => k.toLowerCase() === name.toLowerCase());
      if (!property) throw graphErrors.parseUri(`Could not find a property named '${name}' on type 'Microsoft.OutlookServices.Message'.`);
      const d = dir.toLowerCase();
      if ((d !== 'asc' && d !== 'desc') || rest.length > 0) throw graphErrors.badRequest(`Invalid $orderby clause '${clause}'.`);
      return { property, desc: d === 'desc' };
    });
}

/**
 * Exchange's rule for $filter with $orderby: every $orderby property must also be in $filter, in the same
 * order, ahead of any other filter property. Otherwise 400 InefficientFilter.
 */
function checkEfficient(filter: ParsedFilter, orderBy: { property: string }[]): void {
  orderBy.forEach((o, i) => {
    if (filter.properties[i] !== o.property) throw new GraphError(400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.');
  });
}

function parseExpand(raw: string): { select?: string[] } | undefined {
  const m = /^\s*attachments\s*(?:\(\s*\$select\s*=\s*([^)]*)\))?\s*$/i.exec(raw);
  if (!m) {
    const name = raw.split('(')[0]?.trim() ?? raw;
    throw graphErrors.parseUri(`Could not find a property named '${name}' on type 'Microsoft.OutlookServices.Message'.`);
  }
  return m[1] ? { select: m[1].split(',').map((s) => s.trim()).filter(Boolean) } : {};
}
