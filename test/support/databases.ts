import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { revokePublicTemporary } from '#libs/db/app-login.js';

export const TEMPLATE_DB = 'hc_test_template';

/** The test run's Postgres server (set by `npm test`). */
export function serverUrl(): string {
  const url = process.env.TEST_PG_SERVER_URL;
  if (!url) throw new Error('TEST_PG_SERVER_URL is not set: run the tests with `npm test`');
  return url;
}

/** The apps' own login on that server (set by `npm test`; made by the global set-up). */
function appServerUrl(): string {
  const url = process.env.TEST_PG_APP_URL;
  if (!url) throw new Error('TEST_PG_APP_URL is not set: run the tests with `npm test`');
  return url;
}

function onDatabase(server: string, dbName: string): string {
  // A test must never touch a database that is not a test database.
  if (!dbName.includes('test')) throw new Error(`refusing to use database ${dbName}: its name lacks "test"`);
  const u = new URL(server);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** A test database as its owner (the migrate step, fixtures, checks). */
export const urlFor = (dbName: string): string => onDatabase(serverUrl(), dbName);

/** A test database as the apps log in to it; `server` moves the login to another server's URL. */
export function appUrlFor(dbName: string, server?: string): string {
  const app = new URL(appServerUrl());
  if (server) {
    const other = new URL(server);
    app.host = other.host;
  }
  return onDatabase(app.toString(), dbName);
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
  /** As its owner: for fixtures and checks, never for the apps. */
  url: string;
  /** As the apps' own login (what apps started on this database get as DATABASE_URL). */
  appUrl: string;
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
        // A database's own rights are not copied from its template: as the migrate step does.
        await revokePublicTemporary(c, name);
        return;
      } catch (err) {
        // Two files copying the template at the same instant: the second one waits and retries.
        if (attempt > 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
  return openTestDatabase(name, urlFor(name), appUrlFor(name), () =>
    withServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
}

/** A small pool on an existing test database; `remove` runs after the pool is closed by `drop`. */
export function openTestDatabase(
  name: string,
  url: string,
  appUrl: string,
  remove: () => Promise<unknown>,
): TestDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // pool.end() resolves before its idle connections have closed, so a drop may terminate one of
  // them, and a test may kill the server: the pool then emits 'error', which must not crash the file.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    appUrl,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: async () => {
      await pool.end();
      await remove();
    },
  };
}
