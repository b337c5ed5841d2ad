import type * as Pane from '../../addin/api/types';
import type { LookupResult } from '../../server/tickets/lookup';
import type { MailboxView } from '../../server/mailboxes/mailbox-view';

// Not a jest test: `npm run typecheck` compiles this file, and fails when a response the server sends no longer
// has the shape the task pane reads (addin/api/types.ts mirrors the server's types by hand).

type Assignable<From extends To, To> = [From, To];

export type ApiContract = [Assignable<LookupResult, Pane.LookupResult>, Assignable<MailboxView, Pane.MailboxView>];
