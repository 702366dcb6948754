import type { Queue } from 'bullmq';
import { encodeCell, ZONE_LENGTH } from '#libs/geo/index.js';
import { traceShardJobId, traceWindowJobId } from '#libs/queue/index.js';
import { lastClosedWindowId, windowStartMs, type TimeGrid } from '#libs/domain/index.js';
import { seededRandom } from '../../bench/support/pings.js';
import type { TestDatabase } from './databases.js';

/** The fast grid of test/support/system.ts. */
export const FAST_GRID: TimeGrid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };

export interface TracingFixture {
  windowIds: number[];
  people: number;
  reds: number;
}

/**
 * Loads closed past windows of busy pings straight into Postgres: `people` people meet at a few
 * dozen places (cells spread over several geohash prefixes) and each pings once per slot; every
 * 25th person is red and infectious. The windows are registered as `open`, so a batch app traces
 * them on its first tick (unless `register` is false: then no one traces them until asked). Equal arguments load equal rows (user ids included) in any fresh database.
 */
export async function loadTracingFixture(
  db: TestDatabase,
  opts: { windows: number; people: number; seed?: number; register?: boolean },
): Promise<TracingFixture> {
  const rnd = seededRandom(opts.seed ?? 7);
  const newest = lastClosedWindowId(Date.now(), FAST_GRID) - 2;
  const windowIds = Array.from({ length: opts.windows }, (_, i) => newest - opts.windows + 1 + i);
  // Places on a 6 x 6 lattice of ~80 m steps around a point near prefix borders (u33d / u33f):
  // far enough apart that people meet only at a place (its cell), not across two.
  const places = Array.from({ length: 36 }, (_, i) =>
    encodeCell(52.5 + Math.floor(i / 6) * 0.00072, 13.4061 + (i % 6) * 0.00118, 8),
  );
  await db.query(`INSERT INTO users (created_at) SELECT now() FROM generate_series(1, $1)`, [opts.people]);
  const reds: number[] = [];
  for (let id = 1; id <= opts.people; id++) if (id % 25 === 0) reds.push(id);
  await db.query(
    `INSERT INTO health_codes (user_id, color, reason, version, updated_at, infectious_from)
     SELECT id, CASE WHEN id = ANY($1::bigint[]) THEN 'red' ELSE 'green' END, 'fixture', 1, now(),
            CASE WHEN id = ANY($1::bigint[]) THEN now() - interval '2 days' END
     FROM generate_series(1, $2) id`,
    [reds, opts.people],
  );
  const users: number[] = [];
  const ts: number[] = [];
  const cells: string[] = [];
  for (const w of windowIds) {
    const start = windowStartMs(w, FAST_GRID);
    for (let slot = 0; slot < FAST_GRID.windowSeconds / FAST_GRID.slotSeconds; slot++) {
      for (let id = 1; id <= opts.people; id++) {
        // Most people stay at their home place; some wander. A few ping on the window's edges.
        const place = rnd() < 0.6 ? id % places.length : Math.floor(rnd() * places.length);
        const edge = slot === 0 && rnd() < 0.1 ? 0 : slot === 5 && rnd() < 0.1 ? 9_999 : Math.floor(rnd() * 10_000);
        users.push(id);
        ts.push(start + slot * 10_000 + edge);
        cells.push(places[place]);
      }
    }
  }
  for (const day of new Set(ts.map((t) => new Date(t).toISOString().slice(0, 10))))
    await db.query('SELECT hc_ensure_ping_partition($1::date)', [day]);
  await db.query(
    `INSERT INTO pings (user_id, ts, cell, zone) SELECT u, to_timestamp(t / 1000.0), c, left(c, ${ZONE_LENGTH}) FROM unnest($1::bigint[], $2::float8[], $3::text[]) AS x(u, t, c)`,
    [users, ts, cells],
  );
  if (opts.register !== false)
    await db.query(
      `INSERT INTO windows (id, starts_at, ends_at) SELECT id, to_timestamp(id * $2), to_timestamp((id + 1) * $2) FROM unnest($1::bigint[]) id`,
      [windowIds, FAST_GRID.windowSeconds],
    );
  return { windowIds, people: opts.people, reds: reds.length };
}

/**
 * What a trace produced, in a form two databases loaded at different times can be compared by:
 * windows and slots are counted from the fixture's first window, each row is one short string
 * (so a difference prints readably).
 */
export async function tracingResult(
  db: TestDatabase,
  windowIds: number[],
): Promise<{ exposures: string[]; requests: string[] }> {
  const base = Math.min(...windowIds);
  const slotsPerWindow = FAST_GRID.windowSeconds / FAST_GRID.slotSeconds;
  const exposures = await db.query<{ line: string }>(
    `SELECT concat_ws(' ', 'w' || (window_id - $2), 'contact', contact_id, 'source', source_id, seconds || 's',
              'slots', (SELECT string_agg((s - $2 * $3)::text, ',' ORDER BY s) FROM unnest(slots) s)) AS line
     FROM exposures WHERE window_id = ANY($1) ORDER BY window_id, contact_id, source_id`,
    [windowIds, base, slotsPerWindow],
  );
  const requests = await db.query<{ line: string }>(
    `SELECT concat_ws(' ', 'w' || (window_id - $2), 'user', user_id, to_color, CASE WHEN auto THEN 'auto' ELSE 'review' END, exposure_seconds || 's') AS line
     FROM code_changes WHERE window_id = ANY($1) ORDER BY window_id, user_id`,
    [windowIds, base],
  );
  return { exposures: exposures.map((r) => r.line), requests: requests.map((r) => r.line) };
}

/**
 * Waits until every window is done; throws with their states when time runs out, with what the
 * database's sessions were doing and, given the tracing queue, the states of the windows' jobs.
 */
export async function waitForWindowsDone(
  db: TestDatabase,
  windowIds: number[],
  timeoutMs: number,
  queue?: Queue,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db.query<{ id: number; status: string; generation: number }>(
      'SELECT id::float8 AS id, status, generation FROM windows WHERE id = ANY($1) ORDER BY id',
      [windowIds],
    );
    if (rows.length === windowIds.length && rows.every((r) => r.status === 'done')) return;
    if (Date.now() > deadline) {
      const report = async () => `${await sessions(db)}${queue ? `\n${await jobStates(db, queue, rows)}` : ''}`;
      // The report never hides the failure (Redis or Postgres may be gone or hung themselves).
      const details = await Promise.race([
        report(),
        new Promise<string>((r) => setTimeout(() => r('(no report: it took over 10 s)'), 10_000)),
      ]).catch((err: Error) => `(no report: ${err.message})`);
      throw new Error(`windows not done after ${timeoutMs} ms: ${JSON.stringify(rows)}\n${details}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each window's job and its planned shards' jobs (state, attempts, failure), and the queue's counts. */
async function jobStates(
  db: TestDatabase,
  queue: Queue,
  windows: { id: number; generation: number }[],
): Promise<string> {
  const lines = [`queue: ${JSON.stringify(await queue.getJobCounts())}`];
  for (const w of windows) {
    const shards = await db.query<{ shard: number; done: boolean }>(
      'SELECT shard, done FROM trace_shards WHERE window_id = $1 AND generation = $2 ORDER BY shard',
      [w.id, w.generation],
    );
    lines.push(`window ${w.id}: shards done in Postgres ${shards.filter((s) => s.done).length} of ${shards.length}`);
    const ids = [
      traceWindowJobId(w.id, w.generation),
      ...shards.map((s) => traceShardJobId(w.id, w.generation, s.shard)),
    ];
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (job)
        lines.push(
          `  ${id}: ${await job.getState()}, attempts ${job.attemptsMade}${job.failedReason ? `, failed: ${job.failedReason}` : ''}`,
        );
    }
  }
  return lines.join('\n');
}

/** What the database's sessions are doing and waiting for (for a failure's message). */
async function sessions(db: TestDatabase): Promise<string> {
  const rows = await db.query<{ line: string }>(
    `SELECT concat_ws(' | ', pid, state, wait_event_type || ':' || wait_event, 'xact ' || round(extract(epoch FROM now() - xact_start)) || ' s',
       'blocked by ' || nullif(pg_blocking_pids(pid)::text, '{}'), left(regexp_replace(query, '\\s+', ' ', 'g'), 160)) AS line
     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid`,
  );
  return `sessions:\n${rows.map((r) => `  ${r.line}`).join('\n')}`;
}

/** Every applied change wrote exactly one history row; no request exists twice. */
export async function expectNoDuplicateEffects(db: TestDatabase): Promise<void> {
  const history = await db.query<{ change_id: string; n: number }>(
    `SELECT change_id::text, count(*)::int AS n FROM code_history WHERE change_id IS NOT NULL GROUP BY 1 HAVING count(*) <> 1`,
  );
  expect(history).toEqual([]);
  const [applied] = await db.query<{ changes: number; rows: number }>(
    `SELECT (SELECT count(*)::int FROM code_changes WHERE status = 'applied') AS changes,
            (SELECT count(*)::int FROM code_history WHERE actor = 'tracing') AS rows`,
  );
  expect(applied.rows).toBe(applied.changes);
}

/** Waits until one of the windows has `status` (e.g. a trace is in progress); throws with their states after a minute. */
export async function waitForAnyWindow(db: TestDatabase, windowIds: number[], status: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
    const rows = await db.query('SELECT 1 FROM windows WHERE id = ANY($1) AND status = $2', [windowIds, status]);
    if (rows.length) return;
  }
  const states = await db.query(
    'SELECT id::float8 AS id, status, generation, late_pings, error FROM windows WHERE id = ANY($1) ORDER BY id',
    [windowIds],
  );
  throw new Error(`no window reached ${status}: ${JSON.stringify(states)}`);
}

/**
 * Every window closed by now (on the fast grid) ends done, traced in one generation: nothing
 * re-traced it from scratch, whatever failed meanwhile. Returns how many there are.
 */
export async function expectClosedWindowsTracedOnce(db: TestDatabase, timeoutMs: number): Promise<number> {
  const closed = await db.query<{ id: number }>('SELECT id::float8 AS id FROM windows WHERE id <= $1', [
    lastClosedWindowId(Date.now(), FAST_GRID),
  ]);
  const ids = closed.map((w) => w.id);
  await waitForWindowsDone(db, ids, timeoutMs);
  const states = await db.query<{ id: number; generation: number }>(
    'SELECT id::float8 AS id, generation FROM windows WHERE id = ANY($1) ORDER BY id',
    [ids],
  );
  expect(states.filter((w) => w.generation !== 1)).toEqual([]);
  return ids.length;
}
