import type { Folder, Mailbox } from '../mail-store';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { json, jsonBody, mailboxRoute, type GraphResponse, type Route, type RouteContext } from './graph-types';
import { lookupFolder } from './message-lookup';
import { evaluate, parseFilter } from './odata-filter';
import { parseTop } from './query-options';

/** Mail folders: well-known ones exist in every mailbox; custom ones can be created. */

export function renderFolder(mailbox: Mailbox, f: Folder): Record<string, unknown> {
  const children = [...mailbox.folders.values()].filter((c) => c.parentKey === f.key && c !== f);
  const root = mailbox.folders.get(f.parentKey);
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: root && root !== f ? root.id : f.id,
    childFolderCount: children.length,
    unreadItemCount: f.messages.reduce((n, m) => n + (m.isRead ? 0 : 1), 0),
    totalItemCount: f.messages.length,
    sizeInBytes: f.messages.reduce((n, m) => n + m.raw.length, 0),
    isHidden: false,
  };
}

function listChildren(ctx: RouteContext, parent: Folder): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const top = parseTop(ctx.req.query.get('$top'));
  const skip = Number(ctx.req.query.get('$skip') ?? '0') || 0;
  // Exchange filters folders by displayName (compared case-insensitively), as a rule-builder looks one up.
  const rawFilter = ctx.req.query.get('$filter');
  const filter = rawFilter === null ? undefined : parseFilter(rawFilter, { displayName: 'string' });
  const all = [...ctx.mailbox.folders.values()]
    .filter((f) => f.parentKey === parent.key && f !== parent)
    .filter((f) => !filter || evaluate(filter.root, (p) => (p === 'displayName' ? f.displayName : undefined)))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/mailFolders`,
    value: all.slice(skip, skip + top).map((f) => renderFolder(ctx.mailbox, f)),
  };
  if (all.length > skip + top) {
    const next = new URLSearchParams(ctx.req.query);
    next.set('$skip', String(skip + top));
    body['@odata.nextLink'] = `${ctx.services.graphBaseUrl}${ctx.req.rawPath}?${next.toString()}`;
  }
  return json(200, body);
}

function create(ctx: RouteContext, parent: Folder): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const body = jsonBody(ctx.req);
  const name = body['displayName'];
  if (typeof name !== 'string' || name.trim() === '') throw graphErrors.invalidRequest('The displayName of the folder is required.');
  const clash = [...ctx.mailbox.folders.values()].some((f) => f.parentKey === parent.key && f.displayName.toLowerCase() === name.toLowerCase());
  if (clash) throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  const folder = ctx.services.store.createFolder(ctx.mailbox, name, parent);
  return json(201, { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/mailFolders/$entity`, ...renderFolder(ctx.mailbox, folder) });
}

const root = (ctx: RouteContext): Folder => lookupFolder(ctx, 'msgfolderroot');

export const folderRoutes: Route[] = [
  mailboxRoute('GET', 'users/:user/mailFolders', (ctx) => listChildren(ctx, root(ctx))),
  mailboxRoute('POST', 'users/:user/mailFolders', (ctx) => create(ctx, root(ctx))),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder', (ctx) => {
    requireMailAccess(ctx.caller, ctx.mailbox, 'read');
    const f = lookupFolder(ctx, ctx.params['folder'] ?? '');
    return json(200, { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/mailFolders/$entity`, ...renderFolder(ctx.mailbox, f) });
  }),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder/childFolders', (ctx) => listChildren(ctx, lookupFolder(ctx, ctx.params['folder'] ?? ''))),
  mailboxRoute('POST', 'users/:user/mailFolders/:folder/childFolders', (ctx) => create(ctx, lookupFolder(ctx, ctx.params['folder'] ?? ''))),
];
