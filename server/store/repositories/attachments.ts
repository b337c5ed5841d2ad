import type { Kysely } from 'kysely';
import type { AttachmentFile } from '../../tickets/attachment-file';
import type { DB } from '../schema';
import { nowIso } from '../sql-helpers';

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

  /** Metadata only: contents can be large and are fetched one at a time. */
  listForTicket(ticketId: number) {
    return this.db
      .selectFrom('attachments')
      .select(['id', 'comment_id', 'filename', 'content_type', 'size', 'inline', 'omitted_reason'])
      .where('ticket_id', '=', ticketId)
      .orderBy('id')
      .execute();
  }
}
