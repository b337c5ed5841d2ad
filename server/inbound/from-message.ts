import type { GraphClient } from '../graph/client';
import { ClassifiedError } from '../graph/failure-policy';
import { getMime, MimeTooLargeError } from '../graph/mail-operations';
import { findMessageByInternetId } from '../graph/message-by-internet-id';
import { RecordedConcurrentlyError } from '../store/errors';
import type { MailboxRow } from '../store/schema';
import type { Store } from '../store/store';
import { normalizeMessageId } from '../tickets/message-id';
import type { StaffMember } from '../tickets/staff';
import type { TicketService } from '../tickets/ticket-service';
import type { TicketDetailView } from '../tickets/ticket-view';
import { filterEnvironment } from './filters/store-environment';
import type { InboundMail } from './inbound-mail';
import { ticketFromMessageIn, type FromMessageSource, type TicketFromMessageOutcome } from './ingest/ticket-from-message';
import { graphJsonOfPaneMessage, type PaneMessage } from './mail/pane-message';
import { MessageParseFailure, type ParsePool } from './mail/parse-pool';

export type FromMessageErrorCode = 'invalid_input' | 'reply_mailbox_required' | 'message_not_found' | 'message_unreadable' | 'mailbox_unavailable';

export class FromMessageError extends Error {
  constructor(readonly code: FromMessageErrorCode, message: string) {
    super(message);
    this.name = 'FromMessageError';
  }
}

export interface FromMessageRequest {
  /** As Outlook gives it (with angle brackets); any spelling normalizeMessageId accepts. */
  internetMessageId: string;
  /** The mailbox the email is in. */
  mailbox?: string | undefined;
  /** The linked mailbox that answers, when the server cannot read the email itself. */
  replyMailbox?: string | undefined;
  /** What Office.js gave the pane; used only when the server cannot read the email itself. */
  message?: PaneMessage | undefined;
}

export type FromMessageResult = { ticket: TicketDetailView; created: true; source: FromMessageSource } | { ticket: TicketDetailView; created: false };

export interface FromMessageSettings {
  /** The largest MIME read from Graph (the sync's own limit). */
  maxMimeBytes: number;
  parseDeadlineMs: number;
  messageIdDomain: string;
}

/** A ticket that lost to a concurrent one that recorded the email without a ticket is tried again this often. */
const ATTEMPTS = 3;

/**
 * Tickets an agent makes from an email in Outlook (POST /api/tickets/from-message). When the email is in a
 * linked, active mailbox, Relaydesk reads it from Graph itself (MIME, attachments included) and trusts nothing
 * the pane sent; otherwise it takes what the pane read with Office.js, answered from the linked mailbox the
 * agent chose. Either way the email is parsed in the parse pool like synced mail, and one email makes one
 * ticket however often, and however concurrently, it is asked for.
 */
export class FromMessageService {
  constructor(
    private readonly store: Store,
    private readonly tickets: TicketService,
    private readonly pool: Pick<ParsePool, 'parse'>,
    private readonly settings: FromMessageSettings,
    /** Graph clients per mailbox; absent where Relaydesk runs without Microsoft (the CLIs): the pane's copy is used. */
    private readonly graph?: { client(mailboxId: number): GraphClient },
  ) {}

  async create(actor: StaffMember, request: FromMessageRequest): Promise<FromMessageResult> {
    const internetMessageId = normalizeMessageId(request.internetMessageId);
    if (!internetMessageId) throw new FromMessageError('invalid_input', 'internetMessageId holds no Message-ID');
    // Asked again (a double click, a second agent): answered before Graph is asked anything.
    const existing = await this.ticketOf(internetMessageId);
    if (existing !== null) return { ticket: await this.tickets.get(existing), created: false };

    const seenIn = request.mailbox ? await this.store.mailboxes.findByAddress(request.mailbox) : undefined;
    if (seenIn?.state === 'active' && this.graph) {
      const read = await this.readFromGraph(seenIn, internetMessageId, request.message !== undefined);
      if (read) return this.createFrom(actor, { mail: read.mail, mailbox: seenIn, graphMessageId: read.graphMessageId, source: 'graph', seenInMailbox: seenIn.address });
    }
    if (!request.message) throw new FromMessageError('invalid_input', 'Relaydesk cannot read this email itself: send the message as the add-in read it, and a replyMailbox');
    const replyMailbox = await this.replyMailbox(request.replyMailbox ?? (seenIn && isLinked(seenIn) ? seenIn.address : undefined));
    const pane = graphJsonOfPaneMessage(internetMessageId, request.message);
    const mail = await this.parse({ kind: 'graph', message: pane.message, attachments: pane.attachments });
    return this.createFrom(actor, { mail: { ...mail, internetMessageId }, mailbox: replyMailbox, graphMessageId: null, source: 'pane', seenInMailbox: request.mailbox ?? null });
  }

  /** The email from the mailbox, or null when the mailbox has no such message (or cannot be read and the pane sent a copy). */
  private async readFromGraph(mailbox: MailboxRow, internetMessageId: string, hasPaneCopy: boolean): Promise<{ mail: InboundMail; graphMessageId: string } | null> {
    const client = this.graph!.client(mailbox.id);
    try {
      const found = await findMessageByInternetId(client, mailbox.address, internetMessageId);
      if (!found) {
        if (hasPaneCopy) return null;
        throw new FromMessageError('message_not_found', `${mailbox.address} has no email ${internetMessageId}`);
      }
      const raw = await getMime(client, mailbox.address, found.id, this.settings.maxMimeBytes);
      const mail = await this.parse({ kind: 'mime', raw });
      // Recorded under Exchange's id, as a sync records it, so that the sync finds it.
      return { mail: { ...mail, internetMessageId: normalizeMessageId(found.internetMessageId ?? '') ?? internetMessageId }, graphMessageId: found.id };
    } catch (error) {
      if (error instanceof FromMessageError) throw error;
      // The pane's copy serves when the mailbox's own cannot be had.
      if (hasPaneCopy && (error instanceof ClassifiedError || error instanceof MimeTooLargeError || error instanceof MessageParseFailure)) return null;
      if (error instanceof MimeTooLargeError || error instanceof MessageParseFailure) throw new FromMessageError('message_unreadable', error.message);
      if (error instanceof ClassifiedError) throw new FromMessageError('mailbox_unavailable', `${mailbox.address} cannot be read now (${error.kind}): ${error.message}`);
      throw error;
    }
  }

  private async parse(task: Parameters<ParsePool['parse']>[0]): Promise<InboundMail> {
    try {
      return await this.pool.parse(task, this.settings.parseDeadlineMs);
    } catch (error) {
      if (error instanceof MessageParseFailure && task.kind === 'graph') throw new FromMessageError('message_unreadable', error.message);
      throw error;
    }
  }

  private async replyMailbox(address: string | undefined): Promise<MailboxRow> {
    const mailbox = address ? await this.store.mailboxes.findByAddress(address) : undefined;
    if (!mailbox || !isLinked(mailbox)) throw new FromMessageError('reply_mailbox_required', `Choose the linked mailbox that answers this ticket${address ? `: ${address} is not one` : ''}`);
    return mailbox;
  }

  private async createFrom(actor: StaffMember, input: { mail: InboundMail; mailbox: MailboxRow; graphMessageId: string | null; source: FromMessageSource; seenInMailbox: string | null }): Promise<FromMessageResult> {
    const outcome = await this.recordTicket({ ...input, mailbox: { id: input.mailbox.id, address: input.mailbox.address }, actor: { email: actor.email } });
    const ticket = await this.tickets.get(outcome.ticketId);
    return outcome.created ? { ticket, created: true, source: input.source } : { ticket, created: false };
  }

  private async recordTicket(input: Parameters<typeof ticketFromMessageIn>[1]): Promise<TicketFromMessageOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(async (repos) => {
          const env = filterEnvironment(repos, { messageIdDomain: this.settings.messageIdDomain, linkedAddresses: await repos.mailboxes.linkedAddresses() });
          try {
            return await repos.atomically(() => ticketFromMessageIn(repos, input, env));
          } catch (error) {
            if (!(error instanceof RecordedConcurrentlyError)) throw error;
            // Another call recorded the email meanwhile: its ticket is the answer.
            const winner = (await repos.mailMessages.findByMessageIds([input.mail.internetMessageId])).find((r) => r.ticket_id !== null);
            if (winner?.ticket_id) return { created: false, ticketId: winner.ticket_id };
            throw error;
          }
        });
      } catch (error) {
        // It was recorded without a ticket (a sync suppressed it meanwhile): the next attempt claims that record.
        if (!(error instanceof RecordedConcurrentlyError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  private async ticketOf(internetMessageId: string): Promise<number | null> {
    const records = await this.store.mailMessages.findByMessageIds([internetMessageId]);
    return records.find((r) => r.ticket_id !== null)?.ticket_id ?? null;
  }
}

/** A mailbox Relaydesk links (active, paused or awaiting a new consent): one it can answer from. */
function isLinked(mailbox: MailboxRow): boolean {
  return mailbox.state === 'active' || mailbox.state === 'paused' || mailbox.state === 'needs_reauth';
}
