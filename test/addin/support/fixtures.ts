import type { Agent, MailboxView, TicketCard, TicketDetail } from '../../../addin/api/types';
import type { MailItem } from '../../../addin/office/types';

/** Plain data the add-in tests share: an email, its ticket, a mailbox. */

export const ITEM: MailItem = {
  internetMessageId: '<q1@customer.test>',
  subject: 'Help',
  from: { address: 'pat@customer.test', name: 'Pat' },
  mailbox: 'support@contoso.test',
  receivedAt: '2025-03-01T09:30:00.000Z',
};

export const TICKET: TicketCard = {
  id: 42,
  reference: 'RD-42',
  referenceToken: '[RD-42]',
  subject: 'Printer on fire',
  status: 'open',
  requester: { id: 1, email: 'pat@customer.test', name: 'Pat Customer' },
  assignee: { id: 9, email: 'alex@contoso.test' },
  mailbox: 'support@contoso.test',
  followUpOf: null,
  senderAuthFailure: null,
  createdAt: '2025-03-01T09:31:00.000Z',
  updatedAt: '2025-03-01T09:32:00.000Z',
  version: 3,
  lastActivityAt: '2025-03-01T09:32:00.000Z',
  ccs: [
    { id: 2, email: 'kim@customer.test', name: null },
    { id: 3, email: 'lee@customer.test', name: 'Lee' },
  ],
};

export const MAILBOX: MailboxView = {
  id: 5,
  address: 'support@contoso.test',
  state: 'active',
  authMode: 'delegated',
  appAccess: null,
  stateReason: null,
  linkedBy: 'admin@contoso.test',
  linkedAt: '2025-03-01T08:00:00.000Z',
  language: 'en-US',
  afterIngest: { action: 'mark_read', folderName: null },
  firstSync: { mode: 'all_unread', days: null },
  push: { state: 'on', reason: null },
  credentials: {
    grantIssuedAt: '2025-03-01T08:00:00.000Z',
    refreshTokenLastUsedAt: '2025-03-01T09:40:00.000Z',
    refreshTokenExpiresAt: '2025-05-30T09:40:00.000Z',
    consent: 'ok',
    appCredential: { kind: 'sandbox', expiresAt: null },
    warnings: [],
  },
  health: { lastSyncAt: '2025-03-01T09:40:00.000Z', lagSeconds: 0, messagesIngested: 12, consecutiveFailures: 0, lastError: null },
};

/** The signed-in agent (GET /api/me) and a colleague. */
export const ME: Agent = { id: 9, email: 'alex@contoso.test', name: 'Alex', role: 'agent' };
export const COLLEAGUE: Agent = { id: 10, email: 'sam@contoso.test', name: 'Sam', role: 'agent' };

/** TICKET in full (GET /api/tickets/42): the customer's email, an agent's reply and an internal note. */
export const DETAIL: TicketDetail = {
  ...TICKET,
  originalMessageGraphId: null,
  followers: [],
  comments: [
    {
      id: 100,
      author: { id: 1, email: 'pat@customer.test', name: 'Pat Customer' },
      visibility: 'public',
      source: 'email',
      bodyText: 'My printer is on fire.',
      bodyHtml: '<p>My printer is <b>on fire</b>.</p><img src="https://tracker.example.test/pixel.gif">',
      createdAt: '2025-03-01T09:31:00.000Z',
      attachments: [{ id: 7, filename: 'photo.jpg', contentType: 'image/jpeg', size: 2048, inline: false, omittedReason: null }],
    },
    {
      id: 101,
      author: { id: 9, email: 'alex@contoso.test', name: 'Alex' },
      visibility: 'public',
      source: 'api',
      bodyText: 'Please step away from it.',
      bodyHtml: null,
      createdAt: '2025-03-01T09:35:00.000Z',
      attachments: [],
    },
    {
      id: 102,
      author: { id: 9, email: 'alex@contoso.test', name: 'Alex' },
      visibility: 'internal',
      source: 'api',
      bodyText: 'Facilities called.',
      bodyHtml: null,
      createdAt: '2025-03-01T09:36:00.000Z',
      attachments: [],
    },
  ],
};
