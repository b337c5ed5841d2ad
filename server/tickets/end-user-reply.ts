import type { Transaction } from '../store/store';
import { DomainError } from './errors';
import { newReferenceTag } from './reference';
import { onEndUserReply } from './status';

export interface EndUserReply {
  ticketId: number;
  authorId: number;
  bodyText: string;
  bodyHtml?: string | null;
}

export interface EndUserReplyResult {
  /** The ticket that got the comment: the original, or a new follow-up when the original was closed. */
  ticketId: number;
  commentId: number;
  followUpOf: number | null;
}

/**
 * A customer's reply, inside the caller's transaction (inbound ingest records the mail message in the same
 * one). Pending and solved tickets reopen; a closed ticket is never touched again: the reply starts a
 * follow-up ticket that links back to it and keeps its requester, mailbox and CCs.
 */
export async function applyEndUserReply(repos: Transaction, reply: EndUserReply): Promise<EndUserReplyResult> {
  const ticket = await repos.tickets.findByIdForUpdate(reply.ticketId);
  if (!ticket) throw new DomainError('not_found', `Ticket ${reply.ticketId} not found`, { ticketId: reply.ticketId });

  const outcome = onEndUserReply(ticket.status);
  if (outcome.kind === 'follow_up') {
    const followUp = await repos.tickets.insert({
      mailboxId: ticket.mailbox_id,
      subject: ticket.subject,
      status: 'new',
      requesterId: ticket.requester_id,
      followUpOfId: ticket.id,
      referenceTag: newReferenceTag(),
    });
    for (const p of await repos.tickets.listParticipants(ticket.id)) {
      if (p.kind === 'cc') await repos.tickets.addParticipant(followUp.id, p.user_id, 'cc');
    }
    const comment = await repos.tickets.addComment({ ticketId: followUp.id, authorId: reply.authorId, visibility: 'public', source: 'email', bodyText: reply.bodyText, bodyHtml: reply.bodyHtml ?? null });
    return { ticketId: followUp.id, commentId: comment.id, followUpOf: ticket.id };
  }

  const comment = await repos.tickets.addComment({ ticketId: ticket.id, authorId: reply.authorId, visibility: 'public', source: 'email', bodyText: reply.bodyText, bodyHtml: reply.bodyHtml ?? null });
  // Adding the comment made a new version of the ticket already (TicketsRepository.addComment).
  if (outcome.status !== ticket.status) await repos.tickets.update(ticket.id, { status: outcome.status });
  return { ticketId: ticket.id, commentId: comment.id, followUpOf: null };
}
