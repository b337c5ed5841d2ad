import type { Folder, StoredMessage } from '../mail-store';
import { renderAttachments } from './attachments';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { json, jsonBody, mailboxRoute, noContent, type GraphResponse, type Route, type RouteContext } from './graph-types';
import { lookupFolder, lookupMessage } from './message-lookup';
import { DEFAULT_PROPERTIES, filterValue, ORDERABLE, renderMessage, MESSAGE_PROPERTIES } from './message-json';
import { evaluate, type FilterNode } from './odata-filter';
import { preferenceHeaders, readPreferences } from './prefer';
import { parseMessageQuery } from './query-options';

/** Listing, reading, updating, moving and deleting messages. */

/**
 * A list page past this many bytes of JSON answers 504 by default. Microsoft gives no number, only that a
 * page of many messages with full payloads "may trigger the gateway timeout (HTTP 504)"; 3 MB is where a
 * client must be ready for it.
 */
export const GATEWAY_TIMEOUT_PAGE_BYTES = 3 * 1024 * 1024;

async function listMessages(ctx: RouteContext, folder: Folder | undefined): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  ctx.services.throttle.countRead(ctx.mailbox.address, 'list');
  const q = parseMessageQuery(ctx.req.query);
  const prefs = readPreferences(ctx.req);
  const { store } = ctx.services;

  let candidates: StoredMessage[];
  const byId = internetMessageIdEquality(q.filter?.root);
  if (byId !== undefined) {
    // Relaydesk looks its own Message-ID up in Sent Items: answer from the index, not a scan.
    candidates = (ctx.mailbox.byInternetMessageId.get(byId.toLowerCase()) ?? []).filter((m) => !folder || m.folder === folder).sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
  } else if (folder) {
    candidates = folder.messages;
  } else {
    candidates = [...ctx.mailbox.messages.values()].sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
  }
  const matches = (m: StoredMessage): boolean => !q.filter || evaluate(q.filter.root, (p) => filterValue(m, p));

  const page: StoredMessage[] = [];
  let more = false;
  let total = 0;
  const order = q.orderBy.length > 0 ? q.orderBy : [{ property: 'receivedDateTime', desc: true }];
  const first = order[0];
  if (order.length === 1 && first && first.property === 'receivedDateTime') {
    // Candidates are already in received order: walk them in the requested direction.
    let skipped = 0;
    const n = candidates.length;
    for (let k = 0; k < n; k++) {
      const m = candidates[first.desc ? n - 1 - k : k];
      if (!m || !matches(m)) continue;
      total++;
      if (skipped < q.skip) {
        skipped++;
        continue;
      }
      if (page.length < q.top) page.push(m);
      else {
        more = true;
        if (!q.count) break;
      }
    }
  } else {
    const all = candidates.filter(matches);
    all.sort((a, b) => {
      for (const o of order) {
        const get = ORDERABLE[o.property];
        if (!get) continue;
        const x = get(a);
        const y = get(b);
        if (x !== y) return (x < y ? -1 : 1) * (o.desc ? -1 : 1);
      }
      return a.seq - b.seq;
    });
    total = all.length;
    page.push(...all.slice(q.skip, q.skip + q.top));
    more = all.length > q.skip + q.top;
  }

  const value: Record<string, unknown>[] = [];
  const timeoutBytes = ctx.services.behaviour.gatewayTimeoutPageBytes;
  let pageBytes = 0;
  for (const m of page) {
    const attachments = q.expandAttachments ? await renderAttachments(m, q.expandAttachments.select, ctx.services.behaviour.expandedAttachmentMaxBytes) : undefined;
    const rendered = renderMessage(m, store, { select: q.select, immutableIds: prefs.immutableIds, ...(prefs.bodyType ? { bodyType: prefs.bodyType } : {}), ...(attachments ? { attachments } : {}) });
    if (timeoutBytes !== undefined) {
      // A page too large to assemble in time ends in the gateway's 504 (user-list-messages: "may trigger the
      // gateway timeout"); measured while it is built, so a huge page is refused without building all of it.
      pageBytes += Buffer.byteLength(JSON.stringify(rendered));
      if (pageBytes > timeoutBytes) throw graphErrors.gatewayTimeout();
    }
    value.push(rendered);
  }
  const body: Record<string, unknown> = { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/${folder ? `mailFolders('${ctx.params['folder']}')/` : ''}messages` };
  if (q.count) body['@odata.count'] = total;
  body['value'] = value;
  if (more) {
    const next = new URLSearchParams(ctx.req.query);
    next.delete('$skip');
    next.set('$skip', String(q.skip + q.top));
    // Graph's nextLink is absolute https (the SDK's PageIterator only follows those) with %24-encoded keys.
    body['@odata.nextLink'] = `${ctx.services.graphBaseUrl}${ctx.req.rawPath}?${next.toString()}`;
  }
  return json(200, body, preferenceHeaders(prefs, (a) => !a.startsWith('odata.maxpagesize')));
}

/**
 * `internetMessageId eq '<...>'`, alone or and-ed with other clauses, allows the index lookup. The index is
 * keyed lower-case because Exchange compares the string case-insensitively, as `evaluate` does after it.
 */
function internetMessageIdEquality(node: FilterNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'cmp' && node.op === 'eq' && node.property === 'internetMessageId' && node.literal.type === 'string') return node.literal.value;
  if (node.kind === 'and') return internetMessageIdEquality(node.left) ?? internetMessageIdEquality(node.right);
  return undefined;
}

async function getMessage(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const m = lookupMessage(ctx);
  const q = parseMessageQuery(ctx.req.query, { orderBy: false, skip: false });
  const prefs = readPreferences(ctx.req);
  const attachments = q.expandAttachments ? await renderAttachments(m, q.expandAttachments.select, ctx.services.behaviour.expandedAttachmentMaxBytes) : undefined;
  const body = {
    '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages/$entity`,
    ...renderMessage(m, ctx.services.store, { select: q.select, immutableIds: prefs.immutableIds, ...(prefs.bodyType ? { bodyType: prefs.bodyType } : {}), ...(attachments ? { attachments } : {}) }),
  };
  return json(200, body, preferenceHeaders(prefs));
}

function getMime(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const m = lookupMessage(ctx);
  return { status: 200, raw: m.raw, contentType: 'text/plain' };
}

const UPDATABLE = new Set(['isRead', 'categories', 'flag', 'inferenceClassification', 'importance']);
/** Properties that exist but are updatable only on drafts. */
const DRAFT_ONLY = new Set<string>(MESSAGE_PROPERTIES);

function patchMessage(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const m = lookupMessage(ctx);
  const body = jsonBody(ctx.req);
  const patch: { isRead?: boolean; categories?: string[]; flagStatus?: StoredMessage['flagStatus'] } = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.')) continue;
    if (!UPDATABLE.has(key)) {
      if (DRAFT_ONLY.has(key) && !m.isDraft) throw new GraphError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is invalid for property of a sent message.');
      if (!DRAFT_ONLY.has(key)) throw graphErrors.badRequest(`Property '${key}' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
      continue;
    }
    if (key === 'isRead') {
      if (typeof value !== 'boolean') throw graphErrors.badRequest(`Cannot convert the literal '${String(value)}' to the expected type 'Edm.Boolean'.`);
      patch.isRead = value;
    } else if (key === 'categories') {
      if (!Array.isArray(value) || value.some((c) => typeof c !== 'string')) throw graphErrors.badRequest("Cannot convert the value of 'categories' to the expected type 'Collection(Edm.String)'.");
      patch.categories = value as string[];
    } else if (key === 'flag') {
      const status = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['flagStatus'] : undefined;
      if (status !== 'notFlagged' && status !== 'flagged' && status !== 'complete') throw graphErrors.badRequest("Invalid value for 'flag/flagStatus'.");
      patch.flagStatus = status;
    }
  }
  ctx.services.store.update(m, patch);
  const prefs = readPreferences(ctx.req);
  return json(
    200,
    {
      '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages/$entity`,
      ...renderMessage(m, ctx.services.store, { select: DEFAULT_PROPERTIES, immutableIds: prefs.immutableIds, ...(prefs.bodyType ? { bodyType: prefs.bodyType } : {}) }),
    },
    preferenceHeaders(prefs),
  );
}

function moveMessage(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const m = lookupMessage(ctx);
  const body = jsonBody(ctx.req);
  const destinationId = body['destinationId'];
  if (typeof destinationId !== 'string' || destinationId === '') throw graphErrors.invalidRequest("Value cannot be null. Parameter name: 'destinationId'.");
  const dest = lookupFolder(ctx, destinationId);
  ctx.services.store.move(m, dest);
  const prefs = readPreferences(ctx.req);
  return json(
    201,
    {
      '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages/$entity`,
      ...renderMessage(m, ctx.services.store, { select: DEFAULT_PROPERTIES, immutableIds: prefs.immutableIds }),
    },
    preferenceHeaders(prefs),
  );
}

function deleteMessage(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const m = lookupMessage(ctx);
  ctx.services.store.remove(m);
  return noContent();
}

/** The same operations are addressable through a folder path; Graph ignores which folder the path names. */
function both(method: string, suffix: string, handler: (ctx: RouteContext) => GraphResponse | Promise<GraphResponse>): Route[] {
  return [mailboxRoute(method, `users/:user/messages/:id${suffix}`, handler), mailboxRoute(method, `users/:user/mailFolders/:folder/messages/:id${suffix}`, handler)];
}

export const messageRoutes: Route[] = [
  mailboxRoute('GET', 'users/:user/messages', (ctx) => listMessages(ctx, undefined)),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder/messages', (ctx) => listMessages(ctx, lookupFolder(ctx, ctx.params['folder'] ?? ''))),
  ...both('GET', '', getMessage),
  ...both('GET', '/$value', getMime),
  ...both('PATCH', '', patchMessage),
  ...both('POST', '/move', moveMessage),
  ...both('DELETE', '', deleteMessage),
];

