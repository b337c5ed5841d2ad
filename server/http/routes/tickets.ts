import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { StaffDirectory, StaffMember } from '../../tickets/staff';
import { TICKET_STATUSES } from '../../tickets/ticket-status';
import { MAX_UPLOAD_BYTES, type TicketService } from '../../tickets/ticket-service';
import { principalOf } from '../auth';
import { sendDownload } from '../download-headers';
import { HttpError } from '../errors';
import { ifMatchVersions, notModified, setVersionTag } from '../etag';

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
  /** `me` (the caller), `none` (unassigned), or an agent's id. */
  assignee: z.union([z.enum(['me', 'none']), Id]).optional(),
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
  /** If-Match, for the service to check once the ticket is locked. */
  const writeOptions = (req: Request) => {
    const ifMatch = ifMatchVersions(req);
    return ifMatch ? { ifMatch } : {};
  };
  /** A write's answer: the ticket as it is now, with its new version as the ETag. */
  const answer = <T extends { version: number }>(res: Response, status: number, ticket: T) => {
    setVersionTag(res, ticket.version);
    res.status(status).json(ticket);
  };

  router.get('/tickets', async (req, res) => {
    const q = ListQuery.parse(req.query);
    const assigneeId = q.assignee === 'me' ? (await actor(req)).id : q.assignee === 'none' ? null : q.assignee;
    res.json(await tickets.list({ statuses: q.status, requester: q.requester, mailbox: q.mailbox, assigneeId, text: q.q, cursor: q.cursor, limit: q.limit }));
  });

  router.post('/tickets', async (req, res) => {
    const body = NewTicket.parse(req.body);
    answer(res, 201, await tickets.create(await actor(req), body));
  });

  // The pane polls this: an unchanged ticket costs one indexed read and a 304, not the whole conversation.
  router.get('/tickets/:id', async (req, res) => {
    const id = ticketId(req);
    // A copy may be kept by this browser only, and is revalidated (If-None-Match) before every use.
    res.setHeader('Cache-Control', 'no-cache, private');
    // A poll names the version it holds: the version alone answers it. A first load reads the ticket at once.
    if (req.get('If-None-Match')) {
      const version = await tickets.version(id);
      if (notModified(req, version)) {
        setVersionTag(res, version);
        res.status(304).end();
        return;
      }
    }
    answer(res, 200, await tickets.get(id));
  });

  router.get('/tickets/:id/attachments/:attachmentId', async (req, res) => {
    sendDownload(res, await tickets.attachment(ticketId(req), Id.parse(req.params.attachmentId)));
  });

  router.patch('/tickets/:id', async (req, res) => {
    const id = ticketId(req);
    answer(res, 200, await tickets.update(id, await actor(req), TicketPatch.parse(req.body), writeOptions(req)));
  });

  router.post('/tickets/:id/comments', async (req, res) => {
    const id = ticketId(req);
    answer(res, 201, await tickets.addComment(id, await actor(req), NewComment.parse(req.body), writeOptions(req)));
  });

  // The file is the raw body (up to Exchange's largest message), so it is read here, not by the API's JSON parser.
  router.post('/tickets/:id/attachments', express.raw({ type: () => true, limit: MAX_UPLOAD_BYTES }), async (req, res) => {
    const id = ticketId(req);
    const { filename } = UploadQuery.parse(req.query);
    if (!Buffer.isBuffer(req.body)) throw new HttpError(415, 'unsupported_media_type', 'Send the file itself as the body, with its own Content-Type (not JSON)');
    const contentType = (req.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
    const { upload, ticketVersion } = await tickets.uploadAttachment(id, await actor(req), { filename, contentType, content: req.body }, writeOptions(req));
    setVersionTag(res, ticketVersion);
    res.status(201).json(upload);
  });

  router.post('/tickets/:id/ccs', async (req, res) => {
    const id = ticketId(req);
    answer(res, 201, await tickets.addCc(id, await actor(req), Person.parse(req.body), writeOptions(req)));
  });

  router.delete('/tickets/:id/ccs/:userId', async (req, res) => {
    const id = ticketId(req);
    answer(res, 200, await tickets.removeParticipant(id, await actor(req), Id.parse(req.params.userId), 'cc', writeOptions(req)));
  });

  router.post('/tickets/:id/followers', async (req, res) => {
    const id = ticketId(req);
    answer(res, 201, await tickets.addFollower(id, await actor(req), FollowerBody.parse(req.body).userId, writeOptions(req)));
  });

  router.delete('/tickets/:id/followers/:userId', async (req, res) => {
    const id = ticketId(req);
    answer(res, 200, await tickets.removeParticipant(id, await actor(req), Id.parse(req.params.userId), 'follower', writeOptions(req)));
  });

  return router;
}
