import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; Relaydesk issues a few hundred, so this never evicts in practice. */
const MAX_STATEMENTS = 1000;

/**
 * Kysely prepares every query anew; with better-sqlite3 that costs more than running it. Queries are built
 * with parameters, so the SQL texts repeat and each can be prepared once and reused (better-sqlite3
 * statements are reusable and the connection is used by one query at a time).
 */
export function withStatementCache(connection: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      statements.clear();
      connection.close();
    },
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
