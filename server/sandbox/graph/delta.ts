import crypto from 'node:crypto';
import { z } from 'zod';
import { encodeId, IdKind } from '../ids';
import type { Folder, FolderChange, Mailbox, StoredMessage } from '../mail-store';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { json, mailboxRoute, type GraphResponse, type Route, type RouteContext } from './graph-types';
import { lookupFolder } from './message-lookup';
import { renderMessage } from './message-json';
import { evaluate, parseFilter, type ParsedFilter } from './odata-filter';
import { preferenceHeaders, readPreferences } from './prefer';
import { parseSelect, parseTop } from './query-options';

/**
 * `GET /users/{id}/mailFolders/{id}/messages/delta`: a first round lists the folder page by page
 * (@odata.nextLink with $skiptoken) and ends with an @odata.deltaLink ($deltatoken); later rounds return what
 * changed since, removals as `@removed`. Tokens are signed state, not server memory; a token whose sync state
 * is gone (reset, too old, or older than the retained tombstones) answers 410 SyncStateNotFound.
 */

const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;
/** Exchange keeps a mail folder's sync state for about a week of disuse. */
const TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const tokenSchema = z.object({
  v: z.literal(1),
  mb: z.string(),
  f: z.number(),
  ep: z.number(),
  /** i: first round (cursor = last received position), c: changes round (cursor = last change sequence). */
  ph: z.enum(['i', 'c']),
  from: z.number(),
  until: z.number(),
  cur: z.tuple([z.number(), z.number()]).optional(),
  sel: z.string().optional(),
  top: z.number(),
  flt: z.string().optional(),
  iat: z.number(),
});
type DeltaState = z.infer<typeof tokenSchema>;

export class DeltaTokens {
  private readonly key = crypto.randomBytes(32);

  encode(state: DeltaState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
    const mac = crypto.createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
    return `${payload}.${mac}`;
  }

  decode(token: string): DeltaState | undefined {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    const expected = crypto.createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
    if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return undefined;
    try {
      const parsed = tokenSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}

function parseDeltaFilter(raw: string | undefined): ParsedFilter | undefined {
  if (raw === undefined) return undefined;
  const f = parseFilter(raw, { receivedDateTime: 'datetime' });
  const ok = (n: ParsedFilter['root']): boolean => (n.kind === 'and' ? ok(n.left) && ok(n.right) : n.kind === 'cmp' && (n.op === 'ge' || n.op === 'gt'));
  if (!ok(f.root)) throw graphErrors.badRequest('Delta query for messages supports $filter only on receivedDateTime with ge or gt.');
  return f;
}

function syncStateGone(state: DeltaState, mailbox: Mailbox): GraphError {
  return new GraphError(410, 'SyncStateNotFound', `The sync state generation is not found; generation=${state.from};[highest=${mailbox.changeSeq}]. A full resync is required (resyncRequired).`);
}

function deltaHandler(tokens: DeltaTokens) {
  return (ctx: RouteContext): GraphResponse => {
    requireMailAccess(ctx.caller, ctx.mailbox, 'read');
    ctx.services.throttle.countRead(ctx.mailbox.address, 'delta');
    const folder = lookupFolder(ctx, ctx.params['folder'] ?? '');
    const prefs = readPreferences(ctx.req);
    const q = ctx.req.query;
    const mailbox = ctx.mailbox;
    const skipToken = q.get('$skiptoken');
    const deltaToken = q.get('$deltatoken');

    let state: DeltaState;
    if (skipToken !== null || deltaToken !== null) {
      const decoded = tokens.decode(skipToken ?? deltaToken ?? '');
      if (!decoded || decoded.mb !== mailbox.guid || decoded.f !== folder.key) throw new GraphError(400, 'ErrorInvalidSyncStateData', 'The sync state data is corrupted or otherwise invalid.');
      if (decoded.ep !== mailbox.syncEpoch || decoded.iat + TOKEN_TTL_MS < Date.now() || decoded.from < folder.retentionFloor) throw syncStateGone(decoded, mailbox);
      state = decoded;
      if (deltaToken !== null) {
        // A new changes round: everything after the watermark, up to now.
        state = { ...decoded, ph: 'c', until: mailbox.changeSeq, cur: [decoded.from, 0] };
      }
    } else {
      const sel = q.get('$select') ?? undefined;
      parseSelect(sel ?? null);
      const flt = q.get('$filter') ?? undefined;
      parseDeltaFilter(flt);
      const top = q.get('$top') !== null ? parseTop(q.get('$top'), MAX_PAGE) : DEFAULT_PAGE;
      state = { v: 1, mb: mailbox.guid, f: folder.key, ep: mailbox.syncEpoch, ph: 'i', from: 0, until: mailbox.changeSeq, top, iat: Date.now(), ...(sel ? { sel } : {}), ...(flt ? { flt } : {}) };
    }
    const pageSize = Math.min(prefs.maxPageSize ?? state.top, MAX_PAGE);
    const filter = parseDeltaFilter(state.flt);
    const select = parseSelect(state.sel ?? null);
    const matches = (m: StoredMessage): boolean => !filter || evaluate(filter.root, (p) => (p === 'receivedDateTime' ? Math.floor(m.receivedAt / 1000) * 1000 : undefined));
    const render = (m: StoredMessage): Record<string, unknown> =>
      renderMessage(m, ctx.services.store, { select, immutableIds: prefs.immutableIds, ...(prefs.bodyType ? { bodyType: prefs.bodyType } : {}) });
    const removed = (c: FolderChange): Record<string, unknown> => ({
      '@odata.type': '#microsoft.graph.message',
      id: prefs.immutableIds ? encodeId(IdKind.ImmutableMessage, mailbox.guid, c.removedSeq ?? 0) : c.removedId,
      '@removed': { reason: 'deleted' },
    });

    const value: Record<string, unknown>[] = [];
    let next: DeltaState | undefined;
    // The gateway's limit holds for delta pages as for list pages (see messages.ts): a page of full bodies
    // too large to assemble in time is a 504, and a smaller odata.maxpagesize passes.
    const timeoutBytes = ctx.services.behaviour.gatewayTimeoutPageBytes;
    let pageBytes = 0;
    const measured = (rendered: Record<string, unknown>): Record<string, unknown> => {
      if (timeoutBytes !== undefined) {
        pageBytes += Buffer.byteLength(JSON.stringify(rendered));
        if (pageBytes > timeoutBytes) throw graphErrors.gatewayTimeout();
      }
      return rendered;
    };
    if (state.ph === 'i') {
      const { page, last, more } = initialPage(folder, state.cur, pageSize, matches);
      value.push(...page.map((m) => measured(render(m))));
      if (more && last) next = { ...state, cur: last };
    } else {
      const changes = ctx.services.store.changesSince(folder, state.cur?.[0] ?? state.from, state.until);
      let lastCs: number | undefined;
      let more = false;
      for (const c of changes) {
        if (c.message && !matches(c.message)) continue;
        if (value.length >= pageSize) {
          more = true;
          break;
        }
        value.push(c.message ? measured(render(c.message)) : removed(c));
        lastCs = c.cs;
      }
      if (more && lastCs !== undefined) next = { ...state, cur: [lastCs, 0] };
    }

    const base = `${ctx.services.graphBaseUrl}${ctx.req.rawPath}`;
    const body: Record<string, unknown> = { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#Collection(message)`, value };
    if (next) {
      body['@odata.nextLink'] = `${base}?%24skiptoken=${tokens.encode(next)}`;
    } else {
      const watermark: DeltaState = { v: 1, mb: mailbox.guid, f: folder.key, ep: mailbox.syncEpoch, ph: 'c', from: state.until, until: state.until, top: state.top, iat: Date.now(), ...(state.sel ? { sel: state.sel } : {}), ...(state.flt ? { flt: state.flt } : {}) };
      body['@odata.deltaLink'] = `${base}?%24deltatoken=${tokens.encode(watermark)}`;
    }
    return json(200, body, preferenceHeaders(prefs));
  };
}

function initialPage(folder: Folder, cursor: [number, number] | undefined, size: number, matches: (m: StoredMessage) => boolean): { page: StoredMessage[]; last?: [number, number]; more: boolean } {
  const list = folder.messages;
  let lo = 0;
  if (cursor) {
    // First message strictly after the cursor's (receivedAt, seq).
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid];
      if (m && (m.receivedAt < cursor[0] || (m.receivedAt === cursor[0] && m.seq <= cursor[1]))) lo = mid + 1;
      else hi = mid;
    }
  }
  const page: StoredMessage[] = [];
  for (let i = lo; i < list.length; i++) {
    const m = list[i];
    if (!m || !matches(m)) continue;
    if (page.length >= size) {
      const lastOf = page[page.length - 1];
      return { page, more: true, ...(lastOf ? { last: [lastOf.receivedAt, lastOf.seq] as [number, number] } : {}) };
    }
    page.push(m);
  }
  return { page, more: false };
}

export function deltaRoutes(tokens: DeltaTokens): Route[] {
  return [mailboxRoute('GET', 'users/:user/mailFolders/:folder/messages/delta', deltaHandler(tokens))];
}
