import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { StaffDirectory, StaffMember } from '../../tickets/staff';
import { TICKET_STATUSES } from '../../tickets/ticket-status';
import { MAX_UPLOAD_BYTES, type TicketService } from '../../tickets/ticket-service';
import { principalOf } from '../auth';
import { HttpError } from '../errors';

const Status = z.enum(TICKET_STATUSES);
const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Email = z.string().trim().pipe(z.email()).transform((e) => e.toLowerCase());
const Person = z.object({ email: Email, name: z.string().trim().max(200).nullish() });

const ListQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(Status))
    .optional(),
  requester: Email.optional(),
  mailbox: Email.optional(),
  assignee: Id.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  cursor: Id.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

const NewTicket = z.object({
  requester: Person,
  subject: z.string().trim().min(1).max(998),
  body: z.string().min(1).max(1_000_000),
  mailbox: Email.optional(),
  ccs: z.array(Person).max(48).optional(),
});

const NewComment = z.object({
  body: z.string().min(1).max(1_000_000),
  visibility: z.enum(['public', 'internal']).default('public'),
  status: Status.optional(),
  /** Files uploaded with POST /tickets/:id/attachments that go with the comment (and its email). */
  attachmentIds: z.array(Id).max(50).optional(),
});

/** The upload's name, from `?filename=`; the body is the file and Content-Type its type. */
const UploadQuery = z.object({ filename: z.string().trim().min(1).max(255).regex(/^[^\r\n\\/]+$/, 'a file name, without path or line breaks') });

const TicketPatch = z
  .object({ status: Status.optional(), assigneeId: Id.nullable().optional() })
  .strict()
  .refine((p) => p.status !== undefined || p.assigneeId !== undefined, { message: 'Give status and/or assigneeId' });

const FollowerBody = z.object({ userId: Id });

/** The agent REST API for tickets. Every route needs the agent role (checked by the caller's router). */
export function ticketRoutes(tickets: TicketService, staff: StaffDirectory): Router {
  const router = Router();

  /** The acting agent's user row, created on first use from the token's identity. */
  const actor = (req: Request): Promise<StaffMember> => staff.ensure(principalOf(req));
  const ticketId = (req: Request) => Id.parse(req.params.id);

  router.get('/tickets', async (req, res) => {
    const q = ListQuery.parse(req.query);
    res.json(await tickets.list({ statuses: q.status, requester: q.requester, mailbox: q.mailbox, assigneeId: q.assignee, text: q.q, cursor: q.cursor, limit: q.limit }));
  });

  router.post('/tickets', async (req, res) => {
    const body = NewTicket.parse(req.body);
    res.status(201).json(await tickets.create(await actor(req), body));
  });

  router.get('/tickets/:id', async (req, res) => {
    res.json(await tickets.get(ticketId(req)));
  });

  router.patch('/tickets/:id', async (req, res) => {
    const id = ticketId(req);
    res.json(await tickets.update(id, await actor(req), TicketPatch.parse(req.body)));
  });

  router.post('/tickets/:id/comments', async (req, res) => {
    const id = ticketId(req);
    res.status(201).json(await tickets.addComment(id, await actor(req), NewComment.parse(req.body)));
  });

  // The file is the raw body (up to Exchange's largest message), so it is read here, not by the API's JSON parser.
  router.post('/tickets/:id/attachments', express.raw({ type: () => true, limit: MAX_UPLOAD_BYTES }), async (req, res) => {
    const id = ticketId(req);
    const { filename } = UploadQuery.parse(req.query);
    if (!Buffer.isBuffer(req.body)) throw new HttpError(415, 'unsupported_media_type', 'Send the file itself as the body, with its own Content-Type (not JSON)');
    const contentType = (req.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
    res.status(201).json(await tickets.uploadAttachment(id, await actor(req), { filename, contentType, content: req.body }));
  });

  router.post('/tickets/:id/ccs', async (req, res) => {
    const id = ticketId(req);
    res.status(201).json(await tickets.addCc(id, await actor(req), Person.parse(req.body)));
  });

  router.delete('/tickets/:id/ccs/:userId', async (req, res) => {
    const id = ticketId(req);
    res.json(await tickets.removeParticipant(id, await actor(req), Id.parse(req.params.userId), 'cc'));
  });

  router.post('/tickets/:id/followers', async (req, res) => {
    const id = ticketId(req);
    res.status(201).json(await tickets.addFollower(id, await actor(req), FollowerBody.parse(req.body).userId));
  });

  router.delete('/tickets/:id/followers/:userId', async (req, res) => {
    const id = ticketId(req);
    res.json(await tickets.removeParticipant(id, await actor(req), Id.parse(req.params.userId), 'follower'));
  });

  return router;
}
