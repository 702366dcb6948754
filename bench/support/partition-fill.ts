import { statfsSync } from 'node:fs';
import type pg from 'pg';
import { withClient } from './postgres.js';

// Fills the ping partition that holds a given moment with generated rows, fast, and leaves it
// attached with every index of `pings` built: what a partition looks like after a busy day.

/** The partition of `pings` a row at `tsMs` lands in, and its bounds as ATTACH PARTITION takes them. */
export interface PingPartition {
  name: string;
  /** `FOR VALUES FROM (...) TO (...)`. */
  bound: string;
  fromMs: number;
  toMs: number;
  /** The bounds as the catalog prints them (timestamptz literals). */
  fromLiteral: string;
  toLiteral: string;
}

/**
 * Finds (creating it as the app would) the partition of `pings` holding `tsMs`: a row is
 * inserted and rolled back, so whatever the partitioning, the answer is where Postgres routes it.
 */
export async function pingPartitionAt(client: pg.Client, tsMs: number): Promise<PingPartition> {
  await client.query('SELECT hc_ensure_ping_partition((to_timestamp($1 / 1000.0) AT TIME ZONE $2)::date)', [
    tsMs,
    'UTC',
  ]);
  await client.query('BEGIN');
  let name: string;
  try {
    name = (
      await client.query<{ part: string }>(
        `INSERT INTO pings (user_id, ts, cell) VALUES (-1, to_timestamp($1 / 1000.0), 'probe')
         RETURNING tableoid::regclass::text AS part`,
        [tsMs],
      )
    ).rows[0].part;
  } finally {
    await client.query('ROLLBACK');
  }
  const { bound } = (
    await client.query<{ bound: string }>(
      'SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.oid = $1::regclass',
      [name],
    )
  ).rows[0];
  const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(bound);
  if (!m) throw new Error(`partition ${name} is not a range of times (${bound})`);
  const ms = async (literal: string) =>
    Number(
      (
        await client.query<{ ms: string }>('SELECT (extract(epoch FROM $1::timestamptz) * 1000)::bigint AS ms', [
          literal,
        ])
      ).rows[0].ms,
    );
  return { name, bound, fromMs: await ms(m[1]), toMs: await ms(m[2]), fromLiteral: m[1], toLiteral: m[2] };
}

/**
 * Free bytes on the disk of the Postgres data directory when the server is local and the bench's
 * role may read the setting, else on the disk of `fallbackDir`; with the directory measured.
 */
export async function postgresFreeDisk(
  databaseUrl: string,
  fallbackDir: string,
): Promise<{ dir: string; freeBytes: number }> {
  const host = new URL(databaseUrl).hostname;
  let dir = fallbackDir;
  if (['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host)) {
    dir = await withClient(databaseUrl, async (c) =>
      c.query<{ d: string }>('SHOW data_directory').then(
        (r) => r.rows[0].d,
        () => fallbackDir,
      ),
    );
  }
  try {
    const s = statfsSync(dir);
    return { dir, freeBytes: s.bavail * s.bsize };
  } catch {
    const s = statfsSync(fallbackDir);
    return { dir: fallbackDir, freeBytes: s.bavail * s.bsize };
  }
}

/** Rows generated per statement: a progress line each. */
const FILL_CHUNK = 2_000_000;
/** One ping every 5 minutes per filling user, at a per-user offset: every (user, ts) distinct. */
const FILL_STEP_MS = 300_000;

/**
 * Replaces `part` with a table of `rows` generated pings, then attaches it back: users from
 * `firstUser` up (never the load's), times spread over the whole partition, cells drawn from
 * `cells` (the load's pool), positions NULL as a phone sending its cell stores them. The table is
 * filled without indexes and attached with a CHECK of its bounds, so ATTACH builds the indexes
 * of `pings` (pkey and (cell, ts)) by sorting and skips the scan of the rows: minutes for 50 M
 * rows, where inserts into the indexes would take hours. Such an index is packed tighter than one
 * grown by inserts all day, so the first inserts into it split more pages (the measurement errs
 * against the app, not for it).
 */
export async function fillPingPartition(
  client: pg.Client,
  part: PingPartition,
  rows: number,
  cells: string[],
  firstUser: number,
  log: (msg: string) => void,
): Promise<void> {
  const perUser = Math.max(1, Math.floor((part.toMs - part.fromMs) / FILL_STEP_MS));
  const users = Math.ceil(rows / perUser);
  await client.query(`DROP TABLE IF EXISTS ${part.name}`);
  await client.query(
    `CREATE TABLE ${part.name} (LIKE pings INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`,
  );
  await client.query('DROP TABLE IF EXISTS pg_temp.fill_cells');
  await client.query(
    'CREATE TEMP TABLE fill_cells AS SELECT (n - 1)::int AS n, cell FROM unnest($1::text[]) WITH ORDINALITY AS c(cell, n)',
    [cells],
  );
  await client.query('ALTER TABLE fill_cells ADD PRIMARY KEY (n)');
  const t0 = Date.now();
  for (let from = 0; from < rows; from += FILL_CHUNK) {
    const to = Math.min(rows, from + FILL_CHUNK);
    // Row g: user firstUser + g mod users, its (g div users)-th ping; the cell by a hash of g.
    await client.query(
      `INSERT INTO ${part.name} (user_id, ts, cell)
       SELECT $1::bigint + g % $2, to_timestamp(($3::bigint + (g / $2) * $4::bigint + ((g % $2) * 7919) % $4) / 1000.0), c.cell
       FROM generate_series($5::bigint, $6::bigint - 1) g
       JOIN fill_cells c ON c.n = ((hashint8(g)::bigint % $7) + $7) % $7`,
      [firstUser, users, part.fromMs, FILL_STEP_MS, from, to, cells.length],
    );
    log(
      `${to.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows generated (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  const bounds = `ts >= '${part.fromLiteral}' AND ts < '${part.toLiteral}'`;
  await client.query(`ALTER TABLE ${part.name} ADD CONSTRAINT fill_bounds CHECK (${bounds})`);
  const t1 = Date.now();
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`ALTER TABLE pings ATTACH PARTITION ${part.name} ${part.bound}`);
  await client.query('RESET maintenance_work_mem');
  await client.query(`ALTER TABLE ${part.name} DROP CONSTRAINT fill_bounds`);
  log(`attached ${part.name}, its indexes built (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
  const t2 = Date.now();
  await client.query(`VACUUM ANALYZE ${part.name}`);
  log(`VACUUM ANALYZE ${part.name} (${((Date.now() - t2) / 1000).toFixed(0)} s)`);
}

/** The partition's size with its indexes, in bytes. */
export async function relationBytes(client: pg.Client, name: string): Promise<number> {
  return Number(
    (await client.query<{ b: string }>('SELECT pg_total_relation_size($1::regclass) AS b', [name])).rows[0].b,
  );
}
