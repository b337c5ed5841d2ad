/**
 * The message record the caller meant to be the first for its mailbox and Message-ID (or the primary one
 * across mailboxes) lost to a concurrent insert: another instance or mailbox recorded the same email meanwhile.
 * Raised instead of the database's unique-violation code, so that callers need not know either dialect's.
 */
export class RecordedConcurrentlyError extends Error {
  constructor(readonly internetMessageId: string, options?: { cause: unknown }) {
    super(`Message ${internetMessageId} was recorded concurrently`, options);
    this.name = 'RecordedConcurrentlyError';
  }
}
