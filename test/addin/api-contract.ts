import type * as Pane from '../../addin/api/types';
import type { FromMessageResult } from '../../server/inbound/from-message';
import type { AppOnlySetup } from '../../server/mailboxes/app-only-setup';
import type { TicketChangedBody } from '../../server/http/errors';
import type { FromMessageInput } from '../../server/http/routes/from-message';
import type { LinkedMailboxView } from '../../server/http/routes/linked-mailboxes';
import type { LookupResult } from '../../server/tickets/lookup';
import type { MailboxView } from '../../server/mailboxes/mailbox-view';
import type { AgentView } from '../../server/tickets/staff';
import type { TicketService } from '../../server/tickets/ticket-service';
import type { AttachmentView, CommentView, TicketDetailView, TicketSummaryView } from '../../server/tickets/ticket-view';

// Not a jest test: `npm run typecheck` compiles this file, and fails when a response the server sends no longer
// has the shape the task pane reads (addin/api/types.ts mirrors the server's types by hand), or a request the
// pane sends is no longer one the server accepts (the pane's type on the left, the server's on the right).

type Assignable<From extends To, To> = [From, To];

export type ApiContract = [
  Assignable<LookupResult, Pane.LookupResult>,
  Assignable<MailboxView, Pane.MailboxView>,
  Assignable<TicketSummaryView, Pane.TicketSummary>,
  Assignable<TicketDetailView, Pane.TicketDetail>,
  Assignable<CommentView, Pane.Comment>,
  Assignable<AttachmentView, Pane.AttachmentView>,
  Assignable<AgentView, Pane.Agent>,
  Assignable<LinkedMailboxView, Pane.LinkedMailbox>,
  Assignable<Awaited<ReturnType<TicketService['list']>>, Pane.TicketPage>,
  Assignable<FromMessageResult, Pane.FromMessageResult>,
  Assignable<TicketChangedBody, Pane.ConflictBody>,
  Assignable<Pane.FromMessageRequest, FromMessageInput>,
  Assignable<AppOnlySetup, Pane.AppOnlySetup>,
];
