/** Ids are 32-bit serials on PostgreSQL; a larger number names no row and must not reach the database. */
export const MAX_ID = 2_147_483_647;

export function isStorableId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0 && id <= MAX_ID;
}

/** Current time as stored in every timestamp column. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** True for a unique-constraint violation from either SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Escapes LIKE wildcards so user text matches literally (used with `escape '\'`). */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * True for errors raised by the database or its driver (SQLite result codes, PostgreSQL SQLSTATEs, lost
 * connections): an outage to wait out, never a reason to give up on a message.
 */
export function isStoreError(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET')) return true;
    if ((e as { name?: unknown }).name === 'SqliteError') return true;
  }
  return false;
}

/**
 * True for a conflict with a concurrent transaction that running the same transaction again resolves:
 * a PostgreSQL deadlock or serialization failure, SQLite's busy database (another process writing).
 */
export function isTransientConflict(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '40P01' || code === '40001' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') return true;
  }
  return false;
}

