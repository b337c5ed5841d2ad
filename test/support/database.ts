import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../server/store/database';
import { Store } from '../../server/store/store';

/**
 * A fresh, migrated store for one test file: PostgreSQL in its own schema when TEST_DATABASE_URL is set
 * (so parallel jest workers never see each other's rows), otherwise a SQLite file in a temp folder.
 */
export async function openTestStore(): Promise<{ store: Store; target: DatabaseTarget; cleanup: () => Promise<void> }> {
  const target = testDatabaseTarget();
  const store = await Store.open(target);
  return {
    store,
    target,
    cleanup: async () => {
      await store.close();
      await dropTestDatabase(target);
    },
  };
}

export function testDatabaseTarget(): DatabaseTarget {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { kind: 'postgres', url, schema: `t_${process.pid}_${randomBytes(4).toString('hex')}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-test-'));
  return { kind: 'sqlite', file: path.join(dir, 'relaydesk.db') };
}

export async function dropTestDatabase(target: DatabaseTarget): Promise<void> {
  if (target.kind === 'sqlite') {
    fs.rmSync(path.dirname(target.file), { recursive: true, force: true });
    return;
  }
  if (!target.schema) return;
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${target.schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL that the multi-instance suites always use (they need PostgreSQL even when TEST_DATABASE_URL is unset). */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `work` on a connection of its own to POSTGRES_URL (creating and dropping a test's schema). */
export async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
