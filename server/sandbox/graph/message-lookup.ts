import type { Folder, StoredMessage } from '../mail-store';
import { graphErrors } from './graph-error';
import type { RouteContext } from './graph-types';

/** Resolves `:id` of the route to a message of the mailbox: 400 for a malformed id, 404 for an unknown one. */
export function lookupMessage(ctx: RouteContext): StoredMessage {
  const found = ctx.services.store.message(ctx.mailbox, ctx.params['id'] ?? '');
  if (!found.ok) throw found.error === 'malformed' ? graphErrors.idMalformed() : graphErrors.itemNotFound();
  return found.value;
}

/** Resolves a folder id or well-known name of the mailbox. */
export function lookupFolder(ctx: RouteContext, idOrName: string): Folder {
  const found = ctx.services.store.folder(ctx.mailbox, idOrName);
  if (!found.ok) throw found.error === 'malformed' ? graphErrors.idMalformed() : graphErrors.folderNotFound();
  return found.value;
}
