import type { CommentRow, TicketRow } from '../store/schema';
import type { CommentWithAuthor, ParticipantRow, TicketListRow } from '../store/repositories/tickets';
import { referenceToken, ticketReference } from './reference';

/** The shapes the API returns: camelCase, no internal columns. */

export interface PersonView {
  id: number;
  email: string;
  name: string | null;
}

export interface TicketSummaryView {
  id: number;
  reference: string;
  referenceToken: string;
  subject: string;
  status: TicketRow['status'];
  requester: PersonView;
  assignee: { id: number; email: string } | null;
  mailbox: string | null;
  followUpOf: number | null;
  /** The opening mail failed sender authentication (the From may be forged); no acknowledgement was sent. */
  senderAuthFailure: TicketRow['sender_auth_failure'];
  createdAt: string;
  updatedAt: string;
  /** Goes up with every change of the ticket or what it shows; the API's ETag (`"<version>"`). */
  version: number;
  /** When the ticket last changed (= updatedAt): what a queue sorts and shows as "last activity". */
  lastActivityAt: string;
}

/** A file on a comment; its bytes come from GET /api/tickets/:id/attachments/:attachmentId. */
export interface AttachmentView {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  /** An image the HTML body shows (cid:), rather than a file the sender attached. */
  inline: boolean;
  /** Why the bytes were not kept (over the size cap): then there is nothing to download. */
  omittedReason: string | null;
}

/** What the store lists of a ticket's files (metadata only). */
export interface AttachmentRow {
  id: number;
  comment_id: number | null;
  filename: string;
  content_type: string;
  size: number;
  inline: number;
  omitted_reason: string | null;
}

export interface CommentView {
  id: number;
  author: PersonView;
  visibility: CommentRow['visibility'];
  source: CommentRow['source'];
  bodyText: string;
  bodyHtml: string | null;
  createdAt: string;
  attachments: AttachmentView[];
}

/** What the task pane shows for an email's ticket: the summary and who is CC'd. */
export interface TicketCardView extends TicketSummaryView {
  ccs: PersonView[];
}

export interface TicketDetailView extends TicketCardView {
  followers: PersonView[];
  comments: CommentView[];
  /** The Graph id of the email that opened the ticket, in its mailbox, so Outlook can open it; null when unknown. */
  originalMessageGraphId: string | null;
}

export function summaryView(row: TicketListRow): TicketSummaryView {
  const reference = ticketReference(row.id, row.reference_tag);
  return {
    id: row.id,
    reference,
    referenceToken: referenceToken(reference),
    subject: row.subject,
    status: row.status,
    requester: { id: row.requester_id, email: row.requester_email, name: row.requester_name },
    assignee: row.assignee_id !== null && row.assignee_email !== null ? { id: row.assignee_id, email: row.assignee_email } : null,
    mailbox: row.mailbox_address,
    followUpOf: row.follow_up_of_id,
    senderAuthFailure: row.sender_auth_failure,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    lastActivityAt: row.updated_at,
  };
}

export function cardView(row: TicketListRow, participants: readonly ParticipantRow[]): TicketCardView {
  return { ...summaryView(row), ccs: participants.filter((p) => p.kind === 'cc').map(personOf) };
}

function personOf(p: ParticipantRow): PersonView {
  return { id: p.user_id, email: p.email, name: p.display_name };
}

export function detailView(
  row: TicketListRow,
  participants: readonly ParticipantRow[],
  comments: readonly CommentWithAuthor[],
  attachments: readonly AttachmentRow[],
  originalMessageGraphId: string | null = null,
): TicketDetailView {
  // Uploads no comment has taken yet (comment_id null) are not part of the conversation.
  const byComment = new Map<number, AttachmentView[]>();
  for (const a of attachments) {
    if (a.comment_id === null) continue;
    const list = byComment.get(a.comment_id) ?? [];
    list.push({ id: a.id, filename: a.filename, contentType: a.content_type, size: a.size, inline: a.inline === 1, omittedReason: a.omitted_reason });
    byComment.set(a.comment_id, list);
  }
  return {
    ...cardView(row, participants),
    followers: participants.filter((p) => p.kind === 'follower').map(personOf),
    comments: comments.map((c) => ({
      id: c.id,
      author: { id: c.author_id, email: c.author_email, name: c.author_name },
      visibility: c.visibility,
      source: c.source,
      bodyText: c.body_text,
      bodyHtml: c.body_html,
      createdAt: c.created_at,
      attachments: byComment.get(c.id) ?? [],
    })),
    originalMessageGraphId,
  };
}
