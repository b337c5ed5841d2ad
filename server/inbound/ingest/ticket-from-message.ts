import type { Transaction } from '../../store/store';
import { DomainError } from '../../tickets/errors';
import { newReferenceTag } from '../../tickets/reference';
import { newFilterContext, type FilterEnvironment } from '../filters/context';
import { participants } from '../filters/participants';
import type { InboundMail } from '../inbound-mail';
import { addParticipants, storeAttachments } from './ingest';

/** Where an email an agent made a ticket of was read: from the mailbox through Graph, or as the pane sent it. */
export type FromMessageSource = 'graph' | 'pane';

export interface TicketFromMessage {
  /** Parsed like synced mail; its internetMessageId is the canonical id it is recorded under. */
  mail: InboundMail;
  /** The linked mailbox the ticket belongs to and the message is recorded in. */
  mailbox: { id: number; address: string };
  graphMessageId: string | null;
  source: FromMessageSource;
  /** The agent who asked. */
  actor: { email: string };
  /** The mailbox the caller said the email is in (it may be one Relaydesk does not link), for the audit trail. */
  seenInMailbox: string | null;
}

export type TicketFromMessageOutcome = { created: true; ticketId: number } | { created: false; ticketId: number };

/**
 * An agent's ticket from one email, inside the caller's transaction: the ingest of a new ticket (requester,
 * CCs and agent followers from the email, its body and attachments) without the filters that would have
 * suppressed it (the agent decided) and without an acknowledgement (the customer did not write to the
 * helpdesk; an agent chose to take the email up).
 *
 * The Message-ID is recorded as the primary inbound record, so a later sync of the same email records a
 * duplicate, never a second ticket. A record without a ticket (the sync suppressed or dead-lettered it) is
 * given this ticket. When another caller records the email first, RecordedConcurrentlyError is thrown and
 * the caller, having undone this work (a savepoint), answers with that ticket.
 */
export async function ticketFromMessageIn(repos: Transaction, input: TicketFromMessage, env: FilterEnvironment): Promise<TicketFromMessageOutcome> {
  const { mail, mailbox } = input;
  const records = await repos.mailMessages.findByMessageIds([mail.internetMessageId]);
  const withTicket = records.find((r) => r.ticket_id !== null);
  if (withTicket?.ticket_id) return { created: false, ticketId: withTicket.ticket_id };

  const ctx = newFilterContext(mail, mailbox);
  await participants.run(ctx, env);
  if (!ctx.requester) throw new DomainError('invalid_input', 'The email has no sender address to make the requester', { field: 'from' });
  // The helpdesk's own mail: its "requester" would be the helpdesk, and every reply would loop back in.
  if (env.linkedAddresses.has(ctx.requester.address)) {
    throw new DomainError('invalid_input', `${ctx.requester.address} is a linked support mailbox; it cannot be a ticket's requester`, { field: 'from' });
  }
  ctx.replyText = mail.text;

  const requester = await repos.users.ensureByEmail(ctx.requester.address, ctx.requester.name);
  const ticket = await repos.tickets.insert({
    mailboxId: mailbox.id,
    subject: mail.subject.trim() || '(no subject)',
    status: 'new',
    requesterId: requester.id,
    referenceTag: newReferenceTag(),
  });
  const comment = await repos.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, visibility: 'public', source: 'email', bodyText: ctx.replyText, bodyHtml: mail.html });
  await addParticipants(repos, ticket.id, ctx);
  await storeAttachments(repos, ticket.id, comment.id, ctx);

  const reason = `created from the ${input.source === 'graph' ? 'mailbox' : 'add-in'} by ${input.actor.email}`;
  const unticketed = records.find((r) => r.direction === 'inbound' && r.disposition !== 'duplicate') ?? records.find((r) => r.mailbox_id === mailbox.id);
  if (unticketed) {
    await repos.mailMessages.claimForTicket(unticketed.id, { ticketId: ticket.id, commentId: comment.id, disposition: 'ticket_created', dispositionReason: `${reason} (was ${unticketed.disposition})`.slice(0, 500), internetMessageId: mail.internetMessageId });
  } else {
    await repos.mailMessages.record({
      mailboxId: mailbox.id,
      internetMessageId: mail.internetMessageId,
      graphMessageId: input.graphMessageId,
      direction: 'inbound',
      ticketId: ticket.id,
      commentId: comment.id,
      disposition: 'ticket_created',
      dispositionReason: reason.slice(0, 500),
      fromAddress: mail.from?.address ?? null,
      subject: mail.subject.slice(0, 998),
    });
  }
  await repos.audit.record({
    actor: input.actor.email,
    action: 'ticket.created_from_message',
    targetType: 'ticket',
    targetId: ticket.id,
    details: { source: input.source, mailbox: input.seenInMailbox ?? mailbox.address, internetMessageId: mail.internetMessageId },
  });
  return { created: true, ticketId: ticket.id };
}
