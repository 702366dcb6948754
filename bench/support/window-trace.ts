import { Queue } from 'bullmq';
import type pg from 'pg';
import { windowEndMs, windowStartMs, type TimeGrid } from '#libs/domain/index.js';
import { encodeCell, POSITION_PRECISION } from '#libs/geo/index.js';
import { DEFAULT_JOB_OPTIONS, JobName, TRACING_QUEUE, queuePrefix } from '#libs/queue/index.js';
import {
  copyPings,
  ensurePingPartitions,
  insertPeople,
  registerWindows,
  setRedCodes,
} from '../../test/support/city/load.js';
import { City, type SimPing } from '../../test/support/city/simulator.js';
import { productionAppEnv, type BenchContext } from '../scenario.js';
import { checkpoint } from './postgres.js';
import type { RunningProcess } from './processes.js';

// One closed window of a simulated city, traced by the batch app: shared by the `batch` and
// `trace-growth` scenarios. `tag` prefixes their log lines.

/** The production grid (the defaults, docs/domain.md): one-hour windows, five-minute slots. */
export const GRID: TimeGrid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };
/** A person pings about 1.15 times a slot over an hour (the moves between places add pings). */
const PINGS_PER_SLOT = 1.15;
export const SCAN_RUNS = 3;
const TRACE_TIMEOUT_MS = 15 * 60_000;
/** A progress line every this many pings loaded. */
const PROGRESS_PINGS = 1_000_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => ms / 1000;

export interface TraceRun {
  workers: number;
  /** From the job's claim of the window (status processing) to its `traced_at`, by the database clock (the engine's `durationMs` when the claim was not seen). */
  traceSec: number;
  /**
   * From the claim to the start of the transaction writing exposures and requests (their
   * `created_at`): the plan, the source pings and their search ranges. The matching itself runs in
   * that transaction (the statement that stores the exposures), so it is counted after this.
   */
  untilWriteSec: number | null;
  /** What the engine reports (`stats.durationMs`). */
  stats: Record<string, unknown>;
}

export interface CityLoad {
  people: number;
  red: number;
  pings: number;
  loadSec: number;
}

/** Counts the pings as they are generated, with a progress line every PROGRESS_PINGS. */
function* withProgress(pings: Iterable<SimPing>, log: (n: number) => void): Generator<SimPing> {
  let n = 0;
  for (const p of pings) {
    yield p;
    if (++n % PROGRESS_PINGS === 0) log(n);
  }
}

/** The pings as phones that send lat/lon report them (the API's recommended form): kept to POSITION_PRECISION. */
function* asLatLonPhones(pings: Iterable<SimPing>): Iterable<SimPing> {
  for (const p of pings) yield { ...p, reported: encodeCell(p.lat, p.lon, POSITION_PRECISION) };
}

/** A fresh city: one closed window of about `target` pings, `redFraction` of people red, loaded with COPY. */
export async function loadCity(
  ctx: BenchContext,
  client: pg.Client,
  target: number,
  windowId: number,
  opts: { redFraction: number; tag: string },
): Promise<CityLoad> {
  const slotsPerWindow = GRID.windowSeconds / GRID.slotSeconds;
  const city = new City({
    seed: 5,
    people: Math.round(target / slotsPerWindow / PINGS_PER_SLOT),
    firstWindowId: windowId,
    windowCount: 1,
    windowSeconds: GRID.windowSeconds,
    slotSeconds: GRID.slotSeconds,
    precision: 8,
    redFraction: opts.redFraction,
    yellowFraction: 0,
  });
  // Named one by one: requests, exposures and history rows have no foreign keys to users and
  // windows (for the tracing's write speed, see migrations/), so CASCADE would not empty them.
  await client.query('TRUNCATE pings, windows, users, exposures, code_changes, code_history RESTART IDENTITY CASCADE');
  const t0 = Date.now();
  const ids = await insertPeople(client, city.options.people);
  await setRedCodes(client, city.red, (p) => ids[p]);
  await ensurePingPartitions(client, city.startMs, city.endMs);
  const peopleSec = seconds(Date.now() - t0);
  const t1 = Date.now();
  const pings = await copyPings(
    client,
    withProgress(asLatLonPhones(city.pings()), (n) =>
      ctx.log(
        `${opts.tag}: ${(n / 1e6).toFixed(0)}M of about ${(target / 1e6).toFixed(1)}M pings generated and copied (${seconds(Date.now() - t1).toFixed(0)} s; bench rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`,
      ),
    ),
    (p) => ids[p],
  );
  // Registered as traced already: each run below sets it back to open once its workers are up.
  await registerWindows(client, windowId, 1, GRID.windowSeconds);
  await client.query(`UPDATE windows SET status = 'done' WHERE id = $1`, [windowId]);
  await backdateCodes(client, windowId);
  const loadSec = seconds(Date.now() - t0);
  const t2 = Date.now();
  await client.query('VACUUM ANALYZE pings, users, health_codes');
  // The load's two million rows written out now, not during the runs being timed.
  await checkpoint(client, (m) => ctx.log(`${opts.tag}: ${m}`));
  ctx.log(
    `${opts.tag}: ${city.options.people} people (${city.red.length} red) in ${peopleSec.toFixed(1)} s, ${pings} pings generated and copied in ${(loadSec - peopleSec).toFixed(1)} s, VACUUM ANALYZE ${seconds(Date.now() - t2).toFixed(1)} s`,
  );
  return { people: city.options.people, red: city.red.length, pings, loadSec };
}

/** `SELECT count(*)` of the window's rows by a sequential scan (index scans switched off), warm: the median of a few runs. */
export async function scanBaseline(client: pg.Client, windowId: number) {
  const range = [windowStartMs(windowId, GRID), windowEndMs(windowId, GRID)];
  await client.query('SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off');
  const sql =
    'SELECT count(*)::int AS n FROM pings WHERE ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp($2 / 1000.0)';
  const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, range)).rows.map((r) =>
    r['QUERY PLAN'].trim(),
  );
  const runs: number[] = [];
  let count = 0;
  for (let i = 0; i <= SCAN_RUNS; i++) {
    const t0 = performance.now();
    count = (await client.query<{ n: number }>(sql, range)).rows[0].n;
    if (i > 0) runs.push(seconds(performance.now() - t0)); // the first run warms the cache
  }
  await client.query('RESET ALL');
  return { count, sec: runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)], runs, plan };
}

/**
 * People registered (and red people were found) before the window's pings: codes written just now
 * by the load would be re-published by the batch app's recent-codes sync (every code changed in
 * the last 10 minutes, once a minute), 145,000 cache writes overlapping the trace being timed.
 */
export async function backdateCodes(client: pg.Client, windowId: number): Promise<void> {
  await client.query(
    'UPDATE health_codes SET updated_at = to_timestamp($1 / 1000.0) WHERE updated_at > to_timestamp($1 / 1000.0)',
    [windowStartMs(windowId, GRID)],
  );
}

/** Sets the window back to untraced (no exposures, requests or yellows from an earlier run). */
async function resetWindow(ctx: BenchContext, client: pg.Client, windowId: number, tag: string): Promise<void> {
  await client.query('DELETE FROM code_changes WHERE window_id = $1', [windowId]);
  await client.query('DELETE FROM exposures WHERE window_id = $1', [windowId]);
  await client.query(
    `UPDATE health_codes SET color = 'green', reason = 'registered', expires_at = NULL, version = version + 1 WHERE color = 'yellow'`,
  );
  await backdateCodes(client, windowId);
  await checkpoint(client, (m) => ctx.log(`${tag}: ${m}`));
}

/** The batch app's environment on the production grid (`extra`: further settings). */
export const batchEnv = (ctx: BenchContext, extra: Record<string, string> = {}) =>
  productionAppEnv(ctx, {
    HC_WINDOW_SECONDS: String(GRID.windowSeconds),
    HC_SLOT_SECONDS: String(GRID.slotSeconds),
    HC_GRACE_SECONDS: String(GRID.graceSeconds),
    ...extra,
  });

/** The tracing queue, as the batch app names it under the bench's key prefix. */
export const tracingQueue = (ctx: BenchContext): Queue =>
  new Queue(TRACING_QUEUE, {
    connection: { url: ctx.redisUrl },
    prefix: queuePrefix(ctx.keyPrefix),
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });

/**
 * Reopens the window and has the running batch processes (`workers` of them) trace it: a tick job
 * now, so the scheduler queues it at once instead of at its next tick (up to a minute). Times the trace.
 */
export async function traceWith(
  ctx: BenchContext,
  client: pg.Client,
  queue: Queue,
  windowId: number,
  workers: number,
  tag: string,
): Promise<TraceRun> {
  await resetWindow(ctx, client, windowId, tag);
  await client.query(
    `UPDATE windows SET status = 'open', stats = '{}', late_pings = false, updated_at = now() WHERE id = $1`,
    [windowId],
  );
  await queue.add(JobName.Tick, {});
  let claimedAt: Date | null = null;
  const deadline = Date.now() + TRACE_TIMEOUT_MS;
  for (;;) {
    const w = (
      await client.query<{
        status: string;
        updated_at: Date;
        traced_at: Date | null;
        stats: Record<string, unknown>;
        error: string | null;
      }>('SELECT status, updated_at, traced_at, stats, error FROM windows WHERE id = $1', [windowId])
    ).rows[0];
    if (w.status === 'processing') claimedAt ??= w.updated_at;
    if (w.status === 'failed') throw new Error(`window ${windowId} failed: ${w.error}`);
    if (w.status === 'done') {
      // A trace shorter than the polling before the claim (--quick) is timed by the engine itself.
      const traceSec = claimedAt
        ? seconds(w.traced_at!.getTime() - claimedAt.getTime())
        : seconds(Number(w.stats.durationMs));
      const written = (
        await client.query<{ at: Date | null }>('SELECT min(created_at) AS at FROM code_changes WHERE window_id = $1', [
          windowId,
        ])
      ).rows[0].at;
      const untilWriteSec = written && claimedAt ? seconds(written.getTime() - claimedAt.getTime()) : null;
      ctx.log(
        `${tag}: ${workers} worker(s): traced in ${traceSec.toFixed(2)} s, of which until the exposures transaction ${untilWriteSec?.toFixed(2) ?? '?'} s (stats ${JSON.stringify(w.stats)})${claimedAt ? '' : ' (claim not seen: polling too slow; timed by the engine, durationMs)'}`,
      );
      return { workers, traceSec, untilWriteSec, stats: w.stats };
    }
    if (Date.now() > deadline)
      throw new Error(`window ${windowId} not traced after ${TRACE_TIMEOUT_MS / 60_000} min (status ${w.status})`);
    await sleep(claimedAt ? 20 : 200);
  }
}

export interface TraceSchedule {
  tag: string;
  /** The batch app's environment (batchEnv). */
  env: Record<string, string>;
  /** Alternating rounds of 1 worker (and 2, with `twoWorkers`). */
  rounds: number;
  twoWorkers: boolean;
  /** The untimed first trace of the long-lived worker (cold caches after the load). */
  warmUp: boolean;
  /** The first trace of a new process at the end. */
  fresh: boolean;
}

export interface TimedTraces {
  warmUp: TraceRun | null;
  runs: TraceRun[];
  fresh: TraceRun | null;
}

/**
 * The timed traces. Their worker lives through all of them, as a production worker does (it traces
 * every window, hour after hour): started once, it first traces the window untimed, as the scan had
 * its untimed run (after the load the caches are cold, and that first trace takes several times as
 * long; --quick, a smoke check, goes without). Then alternating rounds, so a busy moment does not
 * favour one side (the best round counts); a second process joins for the 2-worker runs, new each
 * time (the worker that picks the job up may be either). Last, the first trace of a new process,
 * on the caches the runs left: what a worker just started (a deploy, a crash) takes, its code not
 * yet compiled by the JIT. `trace` gets the long-lived worker (the one process of a 1-worker run).
 */
export async function timeTraces(
  ctx: BenchContext,
  s: TraceSchedule,
  trace: (workers: number, worker: RunningProcess) => Promise<TraceRun>,
): Promise<TimedTraces> {
  const { warmUp, runs } = await ctx.processes.withApp('batch', s.env, `${s.tag}-1`, async (worker) => {
    const warmUp = s.warmUp ? await trace(1, worker) : null;
    if (warmUp) ctx.log(`${s.tag}: warm-up trace (not counted): ${warmUp.traceSec.toFixed(2)} s`);
    const runs: TraceRun[] = [];
    for (let round = 0; round < s.rounds; round++) {
      runs.push(await trace(1, worker));
      if (s.twoWorkers)
        runs.push(await ctx.processes.withApp('batch', s.env, `${s.tag}-2-round-${round + 1}`, () => trace(2, worker)));
    }
    return { warmUp, runs };
  });
  const fresh = s.fresh
    ? await ctx.processes.withApp('batch', s.env, `${s.tag}-fresh`, (worker) => trace(1, worker))
    : null;
  return { warmUp, runs, fresh };
}

/** The fastest of the runs with `workers` workers. */
export const bestRun = (runs: TraceRun[], workers: number): TraceRun | undefined =>
  runs.filter((r) => r.workers === workers).sort((a, b) => a.traceSec - b.traceSec)[0];
