import { readdirSync } from 'node:fs';
import pg from 'pg';
import { APP_DB_CONNECTION_OPTIONS, appLoginProblems, assertAppLogin } from '#libs/db/index.js';
import { MIGRATIONS_DIR, migrate } from '#libs/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrate', { empty: true });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('apply each file exactly once when several processes migrate together', async () => {
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    expect(results.flat().sort()).toEqual(files);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.map((r) => r.name)).toEqual(files);
    expect(await migrate(db.url)).toEqual([]);
  });
});

describe('schema rules', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('schema');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('keeps code history and the admin audit append-only', async () => {
    const [u] = await db.query<{ id: string }>('INSERT INTO users DEFAULT VALUES RETURNING id');
    await db.query(
      `INSERT INTO code_history (user_id, to_color, reason, actor, version) VALUES ($1, 'green', 'registered', 'system', 1)`,
      [u.id],
    );
    await expect(db.query(`UPDATE code_history SET to_color = 'red'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM code_history')).rejects.toThrow(/append-only/);
    await db.query(
      `INSERT INTO admin_audit (actor, action, target_type, target_id) VALUES ('a', 'code.set', 'user', '1')`,
    );
    await expect(db.query(`UPDATE admin_audit SET note = 'x'`)).rejects.toThrow(/append-only/);
  });

  it('refuses a yellow code without an expiry and a red one without an infectious start', async () => {
    const [u] = await db.query<{ id: string }>('INSERT INTO users DEFAULT VALUES RETURNING id');
    await expect(
      db.query(
        `INSERT INTO health_codes (user_id, color, reason, version, updated_at) VALUES ($1, 'yellow', 'x', 1, now())`,
        [u.id],
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.query(
        `INSERT INTO health_codes (user_id, color, reason, version, updated_at) VALUES ($1, 'red', 'x', 1, now())`,
        [u.id],
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('creates a day partition once even when asked concurrently, and routes pings into it', async () => {
    await Promise.all(Array.from({ length: 8 }, () => db.query(`SELECT hc_ensure_ping_partition('2030-01-02')`)));
    await db.query(
      `INSERT INTO pings (user_id, ts, cell) VALUES (1, '2030-01-02T23:59:59.999Z', 'u33dc0cp'), (1, '2030-01-02T00:00:00Z', 'u33dc0cp')`,
    );
    const [part] = await db.query<{ n: string }>('SELECT count(*) AS n FROM pings_20300102');
    expect(Number(part.n)).toBe(2);
    await expect(
      db.query(`INSERT INTO pings (user_id, ts, cell) VALUES (1, '2030-01-03T00:00:00Z', 'u33dc0cp')`),
    ).rejects.toThrow(/no partition/);
  });

  it('reads one window from its day partition only (partition pruning)', async () => {
    await db.query(`SELECT hc_ensure_ping_partition('2030-01-03')`);
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM pings WHERE cell = 'u33dc0cp' AND ts >= '2030-01-02T10:00:00Z' AND ts < '2030-01-02T11:00:00Z'`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('pings_20300102');
    expect(text).not.toContain('pings_20300103');
  });

  it('lets the apps create and drop ping partitions only through the owner functions', async () => {
    const app = new pg.Client({ connectionString: db.appUrl, options: APP_DB_CONNECTION_OPTIONS });
    await app.connect();
    try {
      // The apps' sessions never wait for a lock without end.
      expect(await app.query('SHOW lock_timeout').then((r) => r.rows)).toEqual([{ lock_timeout: '1min' }]);
      await app.query(`SELECT hc_ensure_ping_partition('2030-02-01')`);
      await app.query(`INSERT INTO pings (user_id, ts, cell) VALUES (1, '2030-02-01T12:00:00Z', 'u33dc0cp')`);
      await expect(app.query('DROP TABLE pings_20300201')).rejects.toThrow(/must be owner/);
      await app.query(`SELECT hc_drop_ping_partition('users'), hc_drop_ping_partition('pings_20300201')`);
      expect(
        await db.query(
          `SELECT to_regclass('users') IS NOT NULL AS users, to_regclass('pings_20300201') IS NULL AS dropped`,
        ),
      ).toEqual([{ users: true, dropped: true }]);
    } finally {
      await app.end();
    }
  });

  it('gives the apps a login that cannot rewrite the audit trail or the schema, even after RESET ROLE or SET ROLE NONE', async () => {
    const app = new pg.Client({ connectionString: db.appUrl, options: APP_DB_CONNECTION_OPTIONS });
    await app.connect();
    // A failed statement must not hide the next one's answer: each is its own transaction.
    const refused = (sql: string) =>
      app.query(sql).then(
        () => 'done',
        (err: Error) => err.message,
      );
    try {
      await app.query(`INSERT INTO admin_audit (actor, action, target_type, target_id) VALUES ('t', 't', 't', '1')`);
      // Back to the connection's login: with a role set at connection start, RESET ROLE returns to
      // that role, SET ROLE NONE to the login itself.
      await app.query('RESET ROLE');
      await app.query('SET ROLE NONE');
      expect(await refused('TRUNCATE admin_audit')).toMatch(/permission denied for table admin_audit/);
      expect(await refused('TRUNCATE code_history')).toMatch(/permission denied for table code_history/);
      expect(await refused(`UPDATE code_history SET reason = 'x'`)).toMatch(/permission denied for table code_history/);
      expect(await refused('DELETE FROM admin_audit')).toMatch(/permission denied for table admin_audit/);
      expect(await refused('CREATE TABLE intruder (x int)')).toMatch(/permission denied for schema/);
      expect(await refused('CREATE SCHEMA intruder')).toMatch(/permission denied for database/);
      // A temporary admin_audit would shadow the real one on this (pooled) connection.
      expect(await refused('CREATE TEMP TABLE admin_audit (x int)')).toMatch(
        /permission denied to create temporary tables/,
      );
      expect(await refused('ALTER TABLE admin_audit DISABLE TRIGGER ALL')).toMatch(/must be owner/);
      const [{ owner }] = await db.query<{ owner: string }>(
        `SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'admin_audit'`,
      );
      expect(await refused(`SET ROLE "${owner}"`)).toMatch(/permission denied to set role/);
      expect(await appLoginProblems(async (sql, params) => (await app.query(sql, params)).rows)).toEqual([]);
    } finally {
      await app.end();
    }
    expect(await db.query(`SELECT count(*)::int AS n FROM admin_audit WHERE actor = 't'`)).toEqual([{ n: 1 }]);
  });

  it('names what the owner’s login could do that the apps’ must not', async () => {
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    try {
      const problems = await appLoginProblems(async (sql, params) => (await owner.query(sql, params)).rows);
      expect(problems).toEqual(expect.arrayContaining(['owns the tables (or may act as their owner)']));
      await expect(assertAppLogin(async (sql, params) => (await owner.query(sql, params)).rows)).rejects.toThrow(
        /DATABASE_URL logs in as .*MIGRATE_DATABASE_URL/,
      );
    } finally {
      await owner.end();
    }
  });
});
