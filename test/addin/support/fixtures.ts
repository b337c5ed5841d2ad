import type { MailboxView, TicketCard } from '../../../addin/api/types';
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
  ccs: [
    { id: 2, email: 'kim@customer.test', name: null },
    { id: 3, email: 'lee@customer.test', name: 'Lee' },
  ],
};

export const MAILBOX: MailboxView = {
  id: 5,
  address: 'support@contoso.test',
  state: 'active',
  stateReason: null,
  linkedBy: 'admin@contoso.test',
  linkedAt: '2025-03-01T08:00:00.000Z',
  health: { lastSyncAt: '2025-03-01T09:40:00.000Z', lagSeconds: 0, messagesIngested: 12, consecutiveFailures: 0, lastError: null },
};
