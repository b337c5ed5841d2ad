import { sql, type Kysely } from 'kysely';
import type { TicketStatus } from '../../tickets/ticket-status';
import type { DialectKind } from '../dialect';
import type { CommentRow, CommentSource, CommentVisibility, DB, ParticipantKind, SenderAuthFailure, TicketRow, TicketUpdate } from '../schema';
import { preparedQuery } from '../prepared-query';
import { isStorableId, likeContains, MAX_ID, nowIso } from '../sql-helpers';

export interface NewTicket {
  mailboxId: number | null;
  subject: string;
  status: TicketStatus;
  requesterId: number;
  assigneeId?: number | null;
  followUpOfId?: number | null;
  referenceTag: string;
  senderAuthFailure?: SenderAuthFailure | null;
}

export interface TicketSearch {
  statuses?: readonly TicketStatus[];
  requesterEmail?: string;
  mailboxId?: number;
  /** An agent's id, or null for unassigned tickets. */
  assigneeId?: number | null;
  /** Case-insensitive substring of the subject or any comment. */
  text?: string;
  /** Return tickets with an id below this (keyset paging, newest first). */
  beforeId?: number;
  limit: number;
}

export interface TicketListRow extends TicketRow {
  requester_email: string;
  requester_name: string | null;
  assignee_email: string | null;
  mailbox_address: string | null;
}

export interface ParticipantRow {
  user_id: number;
  kind: ParticipantKind;
  email: string;
  display_name: string | null;
  role: string;
  created_at: string;
}

export type CommentWithAuthor = CommentRow & { author_email: string; author_name: string | null };

export interface NewComment {
  ticketId: number;
  authorId: number;
  visibility: CommentVisibility;
  source: CommentSource;
  bodyText: string;
  bodyHtml?: string | null;
}

export class TicketsRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectKind,
  ) {}

  async insert(ticket: NewTicket): Promise<TicketRow> {
    const now = nowIso();
    return this.db
      .insertInto('tickets')
      .values({
        mailbox_id: ticket.mailboxId,
        subject: ticket.subject,
        status: ticket.status,
        requester_id: ticket.requesterId,
        assignee_id: ticket.assigneeId ?? null,
        follow_up_of_id: ticket.followUpOfId ?? null,
        sender_auth_failure: ticket.senderAuthFailure ?? null,
        reference_tag: ticket.referenceTag,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findById(id: number): Promise<TicketRow | undefined> {
    if (!isStorableId(id)) return undefined;
    return this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the row on PostgreSQL so that concurrent changes to one ticket apply one after the other. */
  async findByIdForUpdate(id: number): Promise<TicketRow | undefined> {
    if (!isStorableId(id)) return undefined;
    const query = this.db.selectFrom('tickets').selectAll().where('id', '=', id);
    // SQLite has no row locks (nor FOR UPDATE): its one writer at a time already orders the changes.
    return (this.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  }

  async update(id: number, patch: Omit<TicketUpdate, 'id' | 'updated_at' | 'version'>): Promise<TicketRow> {
    return this.db
      .updateTable('tickets')
      .set((eb) => ({ ...patch, version: eb('version', '+', 1), updated_at: nowIso() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Marks the ticket as changed: a new version and activity time. Every write below that changes what the
   * ticket shows (comments, participants) calls it itself, so no caller can forget and leave a stale ETag.
   */
  async touch(id: number): Promise<void> {
    await this.db
      .updateTable('tickets')
      .set((eb) => ({ version: eb('version', '+', 1), updated_at: nowIso() }))
      .where('id', '=', id)
      .execute();
  }

  /** The ticket's current version (the API's ETag), without reading anything else. */
  async versionOf(id: number): Promise<number | undefined> {
    if (!isStorableId(id)) return undefined;
    const [row] = await versionOf(this.db, { id });
    return row?.version;
  }

  /** One ticket as `search` lists it, for the API's per-request reads. */
  async listRow(id: number): Promise<TicketListRow | undefined> {
    if (!isStorableId(id)) return undefined;
    const [row] = await listRowById(this.db, { id });
    return row;
  }

  async search(filter: TicketSearch): Promise<TicketListRow[]> {
    let query = listRows(this.db);
    if (filter.statuses?.length) query = query.where('t.status', 'in', filter.statuses);
    if (filter.requesterEmail) query = query.where('r.email', '=', filter.requesterEmail.trim().toLowerCase());
    if (filter.mailboxId !== undefined) query = query.where('t.mailbox_id', '=', filter.mailboxId);
    if (filter.assigneeId === null) query = query.where('t.assignee_id', 'is', null);
    else if (filter.assigneeId !== undefined) {
      if (!isStorableId(filter.assigneeId)) return [];
      query = query.where('t.assignee_id', '=', filter.assigneeId);
    }
    // A cursor past the largest possible id means "from the newest"; it cannot be sent as a 32-bit parameter.
    if (filter.beforeId !== undefined && filter.beforeId <= MAX_ID) query = query.where('t.id', '<', filter.beforeId);
    if (filter.text) {
      const pattern = likeContains(filter.text);
      query = query.where((eb) =>
        eb.or([
          sql<boolean>`lower(t.subject) like ${pattern} escape '\\'`,
          eb.exists(
            eb
              .selectFrom('comments as c')
              .select('c.id')
              .whereRef('c.ticket_id', '=', 't.id')
              .where(sql<boolean>`lower(c.body_text) like ${pattern} escape '\\'`),
          ),
        ]),
      );
    }
    return query.orderBy('t.id', 'desc').limit(filter.limit).execute();
  }

  listParticipants(ticketId: number): Promise<ParticipantRow[]> {
    return participantsOf(this.db, { ticketId });
  }

  /** Adds a participant; returns false when they already were one. */
  async addParticipant(ticketId: number, userId: number, kind: ParticipantKind): Promise<boolean> {
    const result = await this.db
      .insertInto('ticket_participants')
      .values({ ticket_id: ticketId, user_id: userId, kind, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['ticket_id', 'user_id', 'kind']).doNothing())
      .executeTakeFirst();
    const added = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    if (added) await this.touch(ticketId);
    return added;
  }

  async removeParticipant(ticketId: number, userId: number, kind: ParticipantKind): Promise<boolean> {
    if (!isStorableId(userId)) return false;
    const result = await this.db
      .deleteFrom('ticket_participants')
      .where('ticket_id', '=', ticketId)
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    const removed = Number(result.numDeletedRows) > 0;
    if (removed) await this.touch(ticketId);
    return removed;
  }

  async countParticipants(ticketId: number, kind: ParticipantKind): Promise<number> {
    const row = await this.db
      .selectFrom('ticket_participants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ticket_id', '=', ticketId)
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addComment(comment: NewComment): Promise<CommentRow> {
    const row = await this.db
      .insertInto('comments')
      .values({
        ticket_id: comment.ticketId,
        author_id: comment.authorId,
        visibility: comment.visibility,
        source: comment.source,
        body_text: comment.bodyText,
        body_html: comment.bodyHtml ?? null,
        created_at: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.touch(comment.ticketId);
    return row;
  }

  listComments(ticketId: number): Promise<CommentWithAuthor[]> {
    return commentsOf(this.db, { ticketId });
  }

  /** One comment of a ticket with its author (what an outgoing email quotes). */
  findComment(ticketId: number, commentId: number): Promise<CommentWithAuthor | undefined> {
    return commentsWithAuthor(this.db).where('c.ticket_id', '=', ticketId).where('c.id', '=', commentId).executeTakeFirst();
  }
}

function listRows(db: Kysely<DB>) {
  return db
    .selectFrom('tickets as t')
    .innerJoin('users as r', 'r.id', 't.requester_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id')
    .leftJoin('mailboxes as m', 'm.id', 't.mailbox_id')
    .selectAll('t')
    .select(['r.email as requester_email', 'r.display_name as requester_name', 'a.email as assignee_email', 'm.address as mailbox_address']);
}

function commentsWithAuthor(db: Kysely<DB>) {
  return db.selectFrom('comments as c').innerJoin('users as u', 'u.id', 'c.author_id').selectAll('c').select(['u.email as author_email', 'u.display_name as author_name']);
}

// The reads behind GET /api/lookup and GET /api/tickets/:id, made on every request: compiled once (prepared-query.ts).
const versionOf = preparedQuery<{ id: number }, { version: number }>(['id'], (db, a) => db.selectFrom('tickets').select('version').where('id', '=', a.id));
const listRowById = preparedQuery<{ id: number }, TicketListRow>(['id'], (db, a) => listRows(db).where('t.id', '=', a.id));
const participantsOf = preparedQuery<{ ticketId: number }, ParticipantRow>(['ticketId'], (db, a) =>
  db
    .selectFrom('ticket_participants as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.user_id', 'p.kind', 'u.email', 'u.display_name', 'u.role', 'p.created_at'])
    .where('p.ticket_id', '=', a.ticketId)
    .orderBy('p.created_at')
    .orderBy('u.email'),
);
const commentsOf = preparedQuery<{ ticketId: number }, CommentWithAuthor>(['ticketId'], (db, a) => commentsWithAuthor(db).where('c.ticket_id', '=', a.ticketId).orderBy('c.id'));
