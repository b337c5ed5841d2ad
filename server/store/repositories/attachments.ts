import type { Kysely, Selectable } from 'kysely';
import type { AttachmentFile } from '../../tickets/attachment-file';
import type { AttachmentsTable, DB } from '../schema';
import { preparedQuery } from '../prepared-query';
import { isStorableId, nowIso } from '../sql-helpers';

export interface NewAttachment extends AttachmentFile {
  ticketId: number;
  commentId: number | null;
}

export class AttachmentsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(a: NewAttachment): Promise<number> {
    const row = await this.db
      .insertInto('attachments')
      .values({
        ticket_id: a.ticketId,
        comment_id: a.commentId,
        filename: a.filename,
        content_type: a.contentType,
        size: a.size,
        content_id: a.contentId,
        inline: a.inline ? 1 : 0,
        content: a.content,
        omitted_reason: a.omittedReason,
        created_at: nowIso(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A file an agent uploaded for a reply: held on the ticket until a comment takes it. */
  async insertUpload(a: { ticketId: number; uploadedBy: number; filename: string; contentType: string; content: Buffer }): Promise<number> {
    const row = await this.db
      .insertInto('attachments')
      .values({
        ticket_id: a.ticketId,
        comment_id: null,
        filename: a.filename,
        content_type: a.contentType,
        size: a.content.length,
        content_id: null,
        inline: 0,
        content: a.content,
        omitted_reason: null,
        created_at: nowIso(),
        uploaded_by: a.uploadedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Gives held uploads of the ticket to a comment. Returns how many it took: fewer than `ids` means some are
   * not uploads of this ticket, or another comment took them already.
   */
  async takeForComment(input: { ticketId: number; commentId: number; ids: readonly number[] }): Promise<number> {
    if (input.ids.length === 0) return 0;
    const result = await this.db
      .updateTable('attachments')
      .set({ comment_id: input.commentId })
      .where('ticket_id', '=', input.ticketId)
      .where('id', 'in', [...input.ids])
      .where('comment_id', 'is', null)
      .where('uploaded_by', 'is not', null)
      .executeTakeFirst();
    const taken = Number(result.numUpdatedRows);
    // The comment now shows the files: a new version of the ticket (see TicketsRepository.touch).
    if (taken > 0) {
      await this.db
        .updateTable('tickets')
        .set((eb) => ({ version: eb('version', '+', 1), updated_at: nowIso() }))
        .where('id', '=', input.ticketId)
        .execute();
    }
    return taken;
  }

  /** One stored file of the ticket, with its bytes; undefined for another ticket's id or an unknown one. */
  findWithContent(ticketId: number, attachmentId: number) {
    if (!isStorableId(ticketId) || !isStorableId(attachmentId)) return Promise.resolve(undefined);
    return this.db
      .selectFrom('attachments')
      .select(['id', 'filename', 'content_type', 'size', 'content', 'omitted_reason'])
      .where('ticket_id', '=', ticketId)
      .where('id', '=', attachmentId)
      .executeTakeFirst();
  }

  /** Metadata only: contents can be large and are fetched one at a time. */
  listForTicket(ticketId: number): Promise<AttachmentListRow[]> {
    return attachmentsOf(this.db, { ticketId });
  }
}

/** An attachment as a ticket lists it: metadata only. */
export type AttachmentListRow = Pick<Selectable<AttachmentsTable>, 'id' | 'comment_id' | 'filename' | 'content_type' | 'size' | 'inline' | 'omitted_reason'>;

// Read on every GET /api/tickets/:id: compiled once (prepared-query.ts).
const attachmentsOf = preparedQuery<{ ticketId: number }, AttachmentListRow>(['ticketId'], (db, a) =>
  db.selectFrom('attachments').select(['id', 'comment_id', 'filename', 'content_type', 'size', 'inline', 'omitted_reason']).where('ticket_id', '=', a.ticketId).orderBy('id'),
);
