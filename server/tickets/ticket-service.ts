import type { Repositories, Store, Transaction } from '../store/store';
import type { UserRow } from '../store/schema';
import type { TicketListRow } from '../store/repositories/tickets';
import { DomainError, TicketChangedError } from './errors';
import { assertCanAddCc, assertCanFollow } from './participants';
import { queueCommentEmail, type NotEmailed } from './notifications';
import { newReferenceTag } from './reference';
import { canTransition, onAgentPublicReply, onAssign } from './status';
import type { TicketStatus } from './ticket-status';
import { detailView, summaryView, type TicketDetailView, type TicketSummaryView } from './ticket-view';

export interface TicketListQuery {
  statuses?: TicketStatus[];
  requester?: string;
  mailbox?: string;
  /** An agent's id, or null for unassigned tickets. */
  assigneeId?: number | null;
  text?: string;
  cursor?: number;
  limit: number;
}

export interface NewTicketInput {
  requester: { email: string; name?: string | null };
  subject: string;
  body: string;
  mailbox?: string;
  ccs?: { email: string; name?: string | null }[];
}

export interface CommentInput {
  body: string;
  visibility: 'public' | 'internal';
  /** Status to set together with the comment; defaults to the status rules' choice. */
  status?: TicketStatus;
  /** Files uploaded to the ticket (uploadAttachment) that go with the comment and its email. */
  attachmentIds?: number[];
}

/**
 * The largest file an agent may upload for a reply: Exchange Online's largest message (150 MB). A reply whose
 * files together pass it still fails at the relay, as too_large, with a note on the ticket.
 */
export const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;

export interface UploadInput {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface UploadView {
  id: number;
  filename: string;
  contentType: string;
  size: number;
}

/** A file held on the ticket, and the ticket's version after it was held (the answer's ETag). */
export interface Uploaded {
  upload: UploadView;
  ticketVersion: number;
}

/** A stored file to download. */
export interface AttachmentContent {
  filename: string;
  contentType: string;
  content: Buffer;
}

/**
 * How a write guards against a stale view: `ifMatch` lists the versions the caller's view may be (the API's
 * If-Match); the write is refused with TicketChangedError when the ticket is at none of them. Checked after
 * the ticket's row is locked, so no other write can come between the check and this one. Without it the
 * last writer wins.
 */
export interface WriteOptions {
  ifMatch?: readonly number[];
}

export interface TicketPatch {
  status?: TicketStatus;
  /** An agent's user id, or null to unassign. */
  assigneeId?: number | null;
}

/** The agent-facing ticket operations. Each runs in one transaction and leaves an audit trail. */
export class TicketService {
  constructor(private readonly store: Store) {}

  async list(query: TicketListQuery): Promise<{ tickets: TicketSummaryView[]; nextCursor: number | null }> {
    let mailboxId: number | undefined;
    if (query.mailbox) {
      const mailbox = await this.store.mailboxes.findByAddress(query.mailbox);
      if (!mailbox) return { tickets: [], nextCursor: null };
      mailboxId = mailbox.id;
    }
    // One extra row tells whether another page exists without a count query.
    const rows = await this.store.tickets.search({
      statuses: query.statuses,
      requesterEmail: query.requester,
      mailboxId,
      assigneeId: query.assigneeId,
      text: query.text,
      beforeId: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { tickets: page.map(summaryView), nextCursor: rows.length > query.limit && last ? last.id : null };
  }

  get(id: number): Promise<TicketDetailView> {
    return this.detail(this.store, id);
  }

  /** The ticket's current version alone: what a poll compares (If-None-Match) before anything is built. */
  async version(id: number): Promise<number> {
    const version = await this.store.tickets.versionOf(id);
    if (version === undefined) throw new DomainError('not_found', `Ticket ${id} not found`, { ticketId: id });
    return version;
  }

  /** A stored file of this ticket; not_found for another ticket's file, an unknown one, or one whose bytes were not kept. */
  async attachment(ticketId: number, attachmentId: number): Promise<AttachmentContent> {
    const row = await this.store.attachments.findWithContent(ticketId, attachmentId);
    if (!row || row.content === null) throw new DomainError('not_found', `Attachment ${attachmentId} of ticket ${ticketId} not found`, { ticketId, attachmentId });
    return { filename: row.filename, contentType: row.content_type, content: row.content };
  }

  async create(actor: UserRow, input: NewTicketInput): Promise<TicketDetailView> {
    return this.store.transaction(async (repos) => {
      const mailbox = input.mailbox ? await repos.mailboxes.findByAddress(input.mailbox) : undefined;
      if (input.mailbox && !mailbox) throw new DomainError('invalid_input', `${input.mailbox} is not a linked mailbox`, { field: 'mailbox' });
      const requester = await repos.users.ensureByEmail(input.requester.email, input.requester.name ?? null);
      const ticket = await repos.tickets.insert({
        mailboxId: mailbox?.id ?? null,
        subject: input.subject,
        status: 'open',
        requesterId: requester.id,
        referenceTag: newReferenceTag(),
      });
      const comment = await repos.tickets.addComment({ ticketId: ticket.id, authorId: actor.id, visibility: 'public', source: 'api', bodyText: input.body });
      const linkedAddresses = await repos.mailboxes.linkedAddresses();
      for (const cc of input.ccs ?? []) await this.addCcIn(repos, ticket.id, cc, linkedAddresses);
      await queueCommentEmail(repos, ticket, comment);
      await repos.audit.record({ actor: actor.email, action: 'ticket.created', targetType: 'ticket', targetId: ticket.id });
      return this.detail(repos, ticket.id);
    });
  }

  /** Holds a file on the ticket for a comment to take (CommentInput.attachmentIds). */
  async uploadAttachment(id: number, actor: UserRow, input: UploadInput, options: WriteOptions = {}): Promise<Uploaded> {
    if (input.content.length === 0) throw new DomainError('invalid_input', 'The file is empty', { field: 'body' });
    if (input.content.length > MAX_UPLOAD_BYTES) throw new DomainError('invalid_input', `The file is larger than ${MAX_UPLOAD_BYTES} bytes`, { field: 'body' });
    return this.store.transaction(async (repos) => {
      // A held upload is not yet part of what the ticket shows: its version stays.
      const ticket = await this.lockOpenTicket(repos, id, options);
      const attachmentId = await repos.attachments.insertUpload({ ticketId: id, uploadedBy: actor.id, ...input });
      await repos.audit.record({ actor: actor.email, action: 'ticket.attachment_uploaded', targetType: 'ticket', targetId: id, details: { attachmentId, size: input.content.length } });
      return { upload: { id: attachmentId, filename: input.filename, contentType: input.contentType, size: input.content.length }, ticketVersion: ticket.version };
    });
  }

  /** `warnings`: who the comment was not emailed to, and why (coded), so an agent's reply is never dropped unseen. */
  async addComment(id: number, actor: UserRow, input: CommentInput, options: WriteOptions = {}): Promise<TicketDetailView & { warnings: NotEmailed[] }> {
    return this.store.transaction(async (repos) => {
      const ticket = await this.lockOpenTicket(repos, id, options);
      const comment = await repos.tickets.addComment({ ticketId: id, authorId: actor.id, visibility: input.visibility, source: 'api', bodyText: input.body });
      const attachmentIds = [...new Set(input.attachmentIds ?? [])];
      if ((await repos.attachments.takeForComment({ ticketId: id, commentId: comment.id, ids: attachmentIds })) !== attachmentIds.length) {
        throw new DomainError('invalid_input', 'An attachment is not a file uploaded to this ticket, or another comment has it already', { field: 'attachmentIds' });
      }
      const { notEmailed } = await queueCommentEmail(repos, ticket, comment);
      const next = input.status ?? (input.visibility === 'public' ? onAgentPublicReply(ticket.status) : ticket.status);
      await this.changeStatusIn(repos, ticket, next, actor);
      return { ...(await this.detail(repos, id)), warnings: notEmailed };
    });
  }

  async update(id: number, actor: UserRow, patch: TicketPatch, options: WriteOptions = {}): Promise<TicketDetailView> {
    return this.store.transaction(async (repos) => {
      let ticket = await this.lockTicket(repos, id, options);
      if (patch.assigneeId !== undefined && patch.assigneeId !== ticket.assignee_id) {
        if (ticket.status === 'closed') throw new DomainError('ticket_closed', `Ticket ${id} is closed`);
        if (patch.assigneeId !== null) {
          const assignee = await repos.users.findById(patch.assigneeId);
          if (!assignee || (assignee.role !== 'agent' && assignee.role !== 'admin')) {
            throw new DomainError('assignee_not_agent', `User ${patch.assigneeId} is not an agent`, { assigneeId: patch.assigneeId });
          }
        }
        ticket = await repos.tickets.update(id, { assignee_id: patch.assigneeId });
        await repos.audit.record({ actor: actor.email, action: 'ticket.assigned', targetType: 'ticket', targetId: id, details: { assigneeId: patch.assigneeId } });
        if (patch.status === undefined && patch.assigneeId !== null) await this.changeStatusIn(repos, ticket, onAssign(ticket.status), actor);
      }
      if (patch.status !== undefined) await this.changeStatusIn(repos, ticket, patch.status, actor);
      return this.detail(repos, id);
    });
  }

  async addCc(id: number, actor: UserRow, cc: { email: string; name?: string | null }, options: WriteOptions = {}): Promise<TicketDetailView> {
    return this.store.transaction(async (repos) => {
      await this.lockOpenTicket(repos, id, options);
      const linkedAddresses = await repos.mailboxes.linkedAddresses();
      const user = await this.addCcIn(repos, id, cc, linkedAddresses);
      await repos.audit.record({ actor: actor.email, action: 'ticket.cc_added', targetType: 'ticket', targetId: id, details: { userId: user.id } });
      return this.detail(repos, id);
    });
  }

  async addFollower(id: number, actor: UserRow, userId: number, options: WriteOptions = {}): Promise<TicketDetailView> {
    return this.store.transaction(async (repos) => {
      await this.lockOpenTicket(repos, id, options);
      const user = await repos.users.findById(userId);
      if (!user) throw new DomainError('not_found', `User ${userId} not found`, { userId });
      assertCanFollow(user.role, user.email);
      await repos.tickets.addParticipant(id, user.id, 'follower');
      await repos.audit.record({ actor: actor.email, action: 'ticket.follower_added', targetType: 'ticket', targetId: id, details: { userId } });
      return this.detail(repos, id);
    });
  }

  async removeParticipant(id: number, actor: UserRow, userId: number, kind: 'cc' | 'follower', options: WriteOptions = {}): Promise<TicketDetailView> {
    return this.store.transaction(async (repos) => {
      await this.lockOpenTicket(repos, id, options);
      if (!(await repos.tickets.removeParticipant(id, userId, kind))) {
        throw new DomainError('not_found', `User ${userId} is not a ${kind === 'cc' ? 'CC' : 'follower'} of ticket ${id}`, { userId });
      }
      await repos.audit.record({ actor: actor.email, action: `ticket.${kind}_removed`, targetType: 'ticket', targetId: id, details: { userId } });
      return this.detail(repos, id);
    });
  }

  private async addCcIn(repos: Transaction, ticketId: number, cc: { email: string; name?: string | null }, linkedAddresses: ReadonlySet<string>): Promise<UserRow> {
    const user = await repos.users.ensureByEmail(cc.email, cc.name ?? null);
    const ticket = await repos.tickets.findById(ticketId);
    if (ticket && user.id === ticket.requester_id) {
      throw new DomainError('invalid_input', `${cc.email} is the ticket's requester`, { field: 'email' });
    }
    const current = await repos.tickets.listParticipants(ticketId);
    if (current.some((p) => p.kind === 'cc' && p.user_id === user.id)) return user;
    assertCanAddCc(user.email, current.filter((p) => p.kind === 'cc').length, linkedAddresses);
    await repos.tickets.addParticipant(ticketId, user.id, 'cc');
    return user;
  }

  private async changeStatusIn(repos: Transaction, ticket: { id: number; status: TicketStatus }, to: TicketStatus, actor: UserRow): Promise<void> {
    if (to === ticket.status) return;
    if (!canTransition(ticket.status, to)) {
      throw new DomainError('invalid_transition', `A ${ticket.status} ticket cannot become ${to}`, { from: ticket.status, to });
    }
    await repos.tickets.update(ticket.id, { status: to });
    await repos.audit.record({ actor: actor.email, action: 'ticket.status_changed', targetType: 'ticket', targetId: ticket.id, details: { from: ticket.status, to } });
  }

  /** Locks the ticket's row, then checks If-Match: nothing can change the ticket between the check and the write. */
  private async lockTicket(repos: Transaction, id: number, options: WriteOptions = {}) {
    const ticket = await repos.tickets.findByIdForUpdate(id);
    if (!ticket) throw new DomainError('not_found', `Ticket ${id} not found`, { ticketId: id });
    if (options.ifMatch && !options.ifMatch.includes(ticket.version)) throw new TicketChangedError(await this.detail(repos, id));
    return ticket;
  }

  private async lockOpenTicket(repos: Transaction, id: number, options: WriteOptions = {}) {
    const ticket = await this.lockTicket(repos, id, options);
    if (ticket.status === 'closed') throw new DomainError('ticket_closed', `Ticket ${id} is closed; it can no longer change`, { ticketId: id });
    return ticket;
  }

  private async detail(repos: Repositories, id: number): Promise<TicketDetailView> {
    const row = await repos.tickets.listRow(id);
    if (!row) throw new DomainError('not_found', `Ticket ${id} not found`, { ticketId: id });
    const original = (await repos.mailMessages.listForTicket(id, 1)).find((m) => m.direction === 'inbound' && m.graph_message_id !== null);
    return detailView(
      row satisfies TicketListRow,
      await repos.tickets.listParticipants(id),
      await repos.tickets.listComments(id),
      await repos.attachments.listForTicket(id),
      original?.graph_message_id ?? null,
    );
  }
}
