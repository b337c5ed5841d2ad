import express, { Router } from 'express';
import { z } from 'zod';
import type { FromMessageService } from '../../inbound/from-message';
import { MAX_PANE_ATTACHMENT_BYTES, MAX_PANE_BODY_CHARS, MAX_PANE_SUBJECT_CHARS } from '../../inbound/mail/pane-message';
import type { StaffDirectory } from '../../tickets/staff';
import { principalOf, requireRole } from '../auth';
import { setVersionTag } from '../etag';

const Email = z.string().trim().pipe(z.email()).transform((e) => e.toLowerCase());
const Name = z.string().trim().max(200).optional();
/** Standard base64 (what Office.js gives); whitespace would make the decoded size a guess. */
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

/** Decoded bytes of base64 text, without decoding it. */
function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

const PaneMessage = z.object({
  subject: z.string().max(MAX_PANE_SUBJECT_CHARS),
  from: z.object({ email: Email, name: Name }),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
  bodyText: z.string().max(MAX_PANE_BODY_CHARS),
  bodyHtml: z.string().max(MAX_PANE_BODY_CHARS).optional(),
  ccs: z.array(z.object({ email: Email, name: Name })).max(500).optional(),
  attachments: z
    .array(z.object({ filename: z.string().trim().min(1).max(255), contentType: z.string().trim().min(1).max(255), contentBase64: Base64 }))
    .max(250)
    .refine((files) => files.reduce((sum, f) => sum + decodedBytes(f.contentBase64), 0) <= MAX_PANE_ATTACHMENT_BYTES, { message: `Attachments together may be at most ${MAX_PANE_ATTACHMENT_BYTES} bytes` })
    .optional(),
});

const FromMessageBody = z.object({
  internetMessageId: z.string().trim().min(3).max(998),
  mailbox: Email.optional(),
  replyMailbox: Email.optional(),
  message: PaneMessage.optional(),
});

/** What a caller may send (the add-in's FromMessageRequest must fit it: test/addin/api-contract.ts). */
export type FromMessageInput = z.input<typeof FromMessageBody>;

/**
 * JSON of the largest message the pane may send: the attachments base64-encoded (4/3 of their size), the
 * body and HTML, and room for the rest. The API's other routes keep their small limit.
 */
const BODY_LIMIT_BYTES = Math.ceil((MAX_PANE_ATTACHMENT_BYTES * 4) / 3) + 2 * MAX_PANE_BODY_CHARS * 4 + 1024 * 1024;

/**
 * POST /api/tickets/from-message: a ticket from the email open in Outlook. Mounted before the API's JSON
 * parser, which would refuse a message with attachments as too large; the caller is authenticated first.
 */
export function fromMessageRoutes(fromMessage: FromMessageService, staff: StaffDirectory): Router {
  const router = Router();
  router.post('/tickets/from-message', requireRole('agent'), express.json({ limit: BODY_LIMIT_BYTES }), async (req, res) => {
    const body = FromMessageBody.parse(req.body);
    const result = await fromMessage.create(await staff.ensure(principalOf(req)), body);
    setVersionTag(res, result.ticket.version);
    res.status(result.created ? 201 : 200).json(result);
  });
  return router;
}
