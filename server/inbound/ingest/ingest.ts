import type { MailMessageRow } from '../../store/repositories/mail-messages';
import type { Repositories, Transaction } from '../../store/store';
import { applyEndUserReply } from '../../tickets/end-user-reply';
import { mayEmail } from '../../tickets/notifications';
import { MAX_CCS } from '../../tickets/participants';
import { newReferenceTag } from '../../tickets/reference';
import type { FilterContext } from '../filters/context';
import { senderBlockedUntil } from '../sender-burst-policy';

export type IngestOutcome =
  | { kind: 'ticket_created'; ticketId: number; commentId: number }
  | { kind: 'comment_added'; ticketId: number; commentId: number; followUpOf: number | null }
  | { kind: 'bounce_noted'; ticketId: number }
  | { kind: 'suppressed'; reason: string }
  /** This mailbox already recorded the message (a crash between commit and mark-read). */
  | { kind: 'already_recorded'; ticketId: number | null }
  /** The same email reached another linked mailbox first; it made one ticket there. */
  | { kind: 'duplicate_of_other_mailbox'; ticketId: number | null };

export interface IngestOptions {
  /** How long a sender who burst is blocked. */
  burstBlockMs: number;
  /**
   * Mail from before the mailbox was linked, taken by its first sync: the ticket is recorded solved, a
   * reply as a comment that leaves its ticket solved, and nothing is emailed (no acknowledgement).
   */
  backfill?: boolean;
}

/**
 * Records one filtered message and what it becomes, inside the caller's transaction (a sync's batch, or a
 * dead-letter replay with its own changes): the message row (unique per mailbox and Message-ID, and one
 * "primary" row per Message-ID across mailboxes), then the ticket, comment, participants, attachments and
 * acknowledgement outbox row. Run it again for the same message and it only reports what was recorded, so
 * a crash anywhere before mark-read can never make a second ticket.
 */
export async function ingestIn(repos: Transaction, ctx: FilterContext, graphMessageId: string, options: IngestOptions): Promise<IngestOutcome> {
  const { mail, mailbox } = ctx;
  const { own, primary } = await recordsOf(repos, mailbox.id, mail.internetMessageId);
  if (own) return { kind: 'already_recorded', ticketId: own.ticket_id };
  if (primary) return recordDuplicate(repos, ctx, graphMessageId);

  // record() throws RecordedConcurrentlyError when another instance or mailbox won the race: nothing else of
  // this message may commit then.
  const record = async (disposition: string, reason: string | null, ticketId: number | null, commentId: number | null) => {
    await repos.mailMessages.record({
      mailboxId: mailbox.id,
      internetMessageId: mail.internetMessageId,
      graphMessageId,
      direction: 'inbound',
      ticketId,
      commentId,
      disposition,
      dispositionReason: reason,
      fromAddress: mail.from?.address ?? null,
      subject: mail.subject.slice(0, 998),
    });
  };

  if (ctx.suppressed) {
    const blockedUntil = senderBlockedUntil(ctx, new Date(), options.burstBlockMs);
    if (blockedUntil && mail.from) {
      const sender = await repos.users.ensureByEmail(mail.from.address, mail.from.name);
      await repos.users.blockUntil(sender.id, blockedUntil);
    }
    await record('suppressed', `${ctx.suppressed.reason}: ${ctx.suppressed.detail}`, null, null);
    return { kind: 'suppressed', reason: ctx.suppressed.reason };
  }

  if (ctx.bounce) {
    const system = await repos.users.ensureSystemUser();
    const note = await repos.tickets.addComment({
      ticketId: ctx.bounce.ticketId,
      authorId: system.id,
      visibility: 'internal',
      source: 'system',
      bodyText: `Delivery failed to ${ctx.bounce.failedRecipients.join(', ') || 'a recipient'}: ${ctx.bounce.diagnostic}. Relaydesk will not email ${ctx.bounce.failedRecipients.length === 1 ? 'this address' : 'these addresses'} again.`,
    });
    for (const address of ctx.bounce.failedRecipients) await repos.users.markUndeliverable(address, ctx.bounce.diagnostic.slice(0, 500));
    await record('bounce', ctx.bounce.diagnostic.slice(0, 500), ctx.bounce.ticketId, note.id);
    return { kind: 'bounce_noted', ticketId: ctx.bounce.ticketId };
  }

  if (!ctx.requester) {
    await record('suppressed', 'no_sender: no usable From address', null, null);
    return { kind: 'suppressed', reason: 'no_sender' };
  }
  const requester = await repos.users.ensureByEmail(ctx.requester.address, ctx.requester.name);

  if (ctx.thread) {
    const wasSolved = options.backfill && (await repos.tickets.findById(ctx.thread.ticketId))?.status === 'solved';
    const reply = await applyEndUserReply(repos, { ticketId: ctx.thread.ticketId, authorId: requester.id, bodyText: ctx.replyText, bodyHtml: mail.html });
    // History, not a customer waiting: a backfilled reply leaves a solved ticket solved, and its follow-up of a closed one too.
    if (wasSolved || (options.backfill && reply.followUpOf !== null)) await repos.tickets.update(reply.ticketId, { status: 'solved' });
    await addParticipants(repos, reply.ticketId, ctx);
    await storeAttachments(repos, reply.ticketId, reply.commentId, ctx);
    await record(reply.followUpOf ? 'follow_up_created' : 'comment_added', `thread matched by ${ctx.thread.matchedBy}`, reply.ticketId, reply.commentId);
    return { kind: 'comment_added', ticketId: reply.ticketId, commentId: reply.commentId, followUpOf: reply.followUpOf };
  }

  const ticket = await repos.tickets.insert({
    mailboxId: mailbox.id,
    subject: mail.subject.trim() || '(no subject)',
    status: options.backfill ? 'solved' : 'new',
    requesterId: requester.id,
    referenceTag: newReferenceTag(),
    senderAuthFailure: ctx.senderAuthFailure,
  });
  const comment = await repos.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, visibility: 'public', source: 'email', bodyText: ctx.replyText, bodyHtml: mail.html });
  await addParticipants(repos, ticket.id, ctx);
  await storeAttachments(repos, ticket.id, comment.id, ctx);
  if (ctx.senderAuthFailure) await noteSenderAuthFailure(repos, ticket.id, ctx.senderAuthFailure);
  // No acknowledgement to a From that failed authentication: it would mail the forger's text to whoever they
  // named; none for a backfill either (the mail is history).
  else if (mayEmail(requester) && !options.backfill) {
    await repos.outbox.insert({ ticketId: ticket.id, mailboxId: mailbox.id, commentId: comment.id, kind: 'ticket_received', to: [requester.email], cc: [] });
  }
  await record('ticket_created', null, ticket.id, comment.id);
  return { kind: 'ticket_created', ticketId: ticket.id, commentId: comment.id };
}

/** Records the message as a copy of the same email that another mailbox (or a concurrent sync) recorded first. */
export async function recordDuplicate(repos: Transaction, ctx: FilterContext, graphMessageId: string): Promise<IngestOutcome> {
  const { mail, mailbox } = ctx;
  const { own, primary } = await recordsOf(repos, mailbox.id, mail.internetMessageId);
  if (own) return { kind: 'already_recorded', ticketId: own.ticket_id };
  await repos.mailMessages.insert({
    mailboxId: mailbox.id,
    internetMessageId: mail.internetMessageId,
    graphMessageId,
    direction: 'inbound',
    ticketId: primary?.ticket_id ?? null,
    commentId: null,
    disposition: 'duplicate',
    dispositionReason: primary ? `first received in mailbox ${primary.mailbox_id}` : 'recorded concurrently',
    fromAddress: mail.from?.address ?? null,
    subject: mail.subject.slice(0, 998),
  });
  return { kind: 'duplicate_of_other_mailbox', ticketId: primary?.ticket_id ?? null };
}

/** This mailbox's record of a Message-ID, and the primary record of it in any mailbox, in one query. */
export async function recordsOf(repos: Repositories, mailboxId: number, internetMessageId: string): Promise<{ own?: MailMessageRow; primary?: MailMessageRow }> {
  const rows = await repos.mailMessages.findByMessageIds([internetMessageId]);
  return {
    own: rows.find((m) => m.mailbox_id === mailboxId),
    primary: rows.find((m) => m.direction === 'inbound' && m.disposition !== 'duplicate'),
  };
}

/** CCs and agent followers from the email; the 48-CC cap holds across replies too. */
export async function addParticipants(repos: Repositories, ticketId: number, ctx: FilterContext): Promise<void> {
  if (ctx.ccs.length > 0) {
    const ticket = await repos.tickets.findById(ticketId);
    let ccCount = await repos.tickets.countParticipants(ticketId, 'cc');
    for (const cc of ctx.ccs) {
      if (ccCount >= MAX_CCS) break;
      const user = await repos.users.ensureByEmail(cc.address, cc.name);
      if (user.id === ticket?.requester_id) continue;
      if (await repos.tickets.addParticipant(ticketId, user.id, 'cc')) ccCount++;
    }
  }
  for (const agentId of ctx.followers) await repos.tickets.addParticipant(ticketId, agentId, 'follower');
  if (ctx.droppedCcs.length > 0) {
    const system = await repos.users.ensureSystemUser();
    await repos.tickets.addComment({ ticketId, authorId: system.id, visibility: 'internal', source: 'system', bodyText: `Not added as CCs (a ticket has at most ${MAX_CCS}): ${ctx.droppedCcs.join(', ')}` });
  }
}

/** The flag on the ticket says it; the note says it where agents read the conversation. */
async function noteSenderAuthFailure(repos: Repositories, ticketId: number, failure: NonNullable<FilterContext['senderAuthFailure']>): Promise<void> {
  const system = await repos.users.ensureSystemUser();
  const method = failure === 'dmarc_fail' ? 'DMARC' : 'composite authentication';
  await repos.tickets.addComment({
    ticketId,
    authorId: system.id,
    visibility: 'internal',
    source: 'system',
    bodyText: `The sender's address failed ${method} (Authentication-Results from Exchange Online Protection): it may be forged. No acknowledgement was sent; check before replying.`,
  });
}

export async function storeAttachments(repos: Repositories, ticketId: number, commentId: number, ctx: FilterContext): Promise<void> {
  const omitted: string[] = [];
  for (const a of ctx.mail.attachments) {
    await repos.attachments.insert({ ticketId, commentId, filename: a.filename, contentType: a.contentType, size: a.size, contentId: a.contentId, inline: a.inline, content: a.content, omittedReason: a.omittedReason });
    if (a.content === null) omitted.push(`${a.filename} (${a.size} bytes): ${a.omittedReason ?? 'not stored'}`);
  }
  if (omitted.length > 0) {
    const system = await repos.users.ensureSystemUser();
    await repos.tickets.addComment({ ticketId, authorId: system.id, visibility: 'internal', source: 'system', bodyText: `Attachments not stored:\n${omitted.join('\n')}` });
  }
}
