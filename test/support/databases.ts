import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEMPLATE_DB = 'hc_test_template';

/** The test run's Postgres server (set by `npm test`). */
export function serverUrl(): string {
  const url = process.env.TEST_PG_SERVER_URL;
  if (!url) throw new Error('TEST_PG_SERVER_URL is not set: run the tests with `npm test`');
  return url;
}

export function urlFor(dbName: string): string {
  // A test must never touch a database that is not a test database.
  if (!dbName.includes('test')) throw new Error(`refusing to use database ${dbName}: its name lacks "test"`);
  const u = new URL(serverUrl());
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** A connection to the server's maintenance database, for creating and dropping test databases. */
export async function withServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(serverUrl());
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A client of its own on a test database for `fn` (e.g. for helpers that take a pg.Client), closed afterwards. */
export async function withDatabaseClient<T>(db: { url: string }, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;
  drop: () => Promise<void>;
}

/**
 * A fresh database of its own for one test file: a copy of the migrated template, or an empty
 * database (for testing the migrations themselves).
 */
export async function createTestDatabase(label: string, opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `hc_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  await withServer(async (c) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${opts.empty ? 'template0' : TEMPLATE_DB}"`);
        return;
      } catch (err) {
        // Two files copying the template at the same instant: the second one waits and retries.
        if (attempt > 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
  return openTestDatabase(name, urlFor(name), () =>
    withServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
}

/** A small pool on an existing test database; `remove` runs after the pool is closed by `drop`. */
export function openTestDatabase(name: string, url: string, remove: () => Promise<unknown>): TestDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // pool.end() resolves before its idle connections have closed, so a drop may terminate one of
  // them, and a test may kill the server: the pool then emits 'error', which must not crash the file.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: async () => {
      await pool.end();
      await remove();
    },
  };
}
