import { Queue } from 'bullmq';
import type pg from 'pg';
import { lastClosedWindowId, windowEndMs, windowStartMs, type TimeGrid } from '#libs/domain/index.js';
import { DEFAULT_JOB_OPTIONS, JobName, TRACING_QUEUE, queuePrefix } from '#libs/queue/index.js';
import {
  copyPings,
  ensurePingPartitions,
  insertPeople,
  registerWindows,
  setRedCodes,
} from '../../test/support/city/load.js';
import { City } from '../../test/support/city/simulator.js';
import { productionAppEnv, row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { checkpoint, withClient } from '../support/postgres.js';

const SIZES = { quick: 200_000, default: 2_000_000, full: 10_000_000 };
/** The production grid (the defaults, docs/domain.md): one-hour windows, five-minute slots. */
const GRID: TimeGrid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };
const RED_FRACTION = 0.001;
/** A person pings about 1.15 times a slot over an hour (the moves between places add pings). */
const PINGS_PER_SLOT = 1.15;
const SCAN_RUNS = 3;
const ROUNDS = 2;
const TRACE_TIMEOUT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => ms / 1000;

interface TraceRun {
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

/** A fresh city: one closed window of about `pings` pings, 0.1% of people red, loaded with COPY. */
async function loadCity(ctx: BenchContext, client: pg.Client, target: number, windowId: number) {
  const slotsPerWindow = GRID.windowSeconds / GRID.slotSeconds;
  const city = new City({
    seed: 5,
    people: Math.round(target / slotsPerWindow / PINGS_PER_SLOT),
    firstWindowId: windowId,
    windowCount: 1,
    windowSeconds: GRID.windowSeconds,
    slotSeconds: GRID.slotSeconds,
    precision: 8,
    redFraction: RED_FRACTION,
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
  const pings = await copyPings(client, city.pings(), (p) => ids[p]);
  // Registered as traced already: each run below sets it back to open once its workers are up.
  await registerWindows(client, windowId, 1, GRID.windowSeconds);
  await client.query(`UPDATE windows SET status = 'done' WHERE id = $1`, [windowId]);
  await backdateCodes(client, windowId);
  const loadSec = seconds(Date.now() - t0);
  const t1 = Date.now();
  await client.query('VACUUM ANALYZE pings, users, health_codes');
  // The load's two million rows written out now, not during the runs being timed.
  await checkpoint(client, (m) => ctx.log(`batch: ${m}`));
  ctx.log(
    `batch: ${city.options.people} people (${city.red.length} red) in ${peopleSec.toFixed(1)} s, ${pings} pings generated and copied in ${(loadSec - peopleSec).toFixed(1)} s, VACUUM ANALYZE ${seconds(Date.now() - t1).toFixed(1)} s`,
  );
  return { people: city.options.people, red: city.red.length, pings, loadSec };
}

/** `SELECT count(*)` of the window's rows by a sequential scan (index scans switched off), warm: the median of a few runs. */
async function scanBaseline(client: pg.Client, windowId: number) {
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
async function backdateCodes(client: pg.Client, windowId: number): Promise<void> {
  await client.query(
    'UPDATE health_codes SET updated_at = to_timestamp($1 / 1000.0) WHERE updated_at > to_timestamp($1 / 1000.0)',
    [windowStartMs(windowId, GRID)],
  );
}

/** Sets the window back to untraced (no exposures, requests or yellows from an earlier run). */
async function resetWindow(ctx: BenchContext, client: pg.Client, windowId: number): Promise<void> {
  await client.query('DELETE FROM code_changes WHERE window_id = $1', [windowId]);
  await client.query('DELETE FROM exposures WHERE window_id = $1', [windowId]);
  await client.query(
    `UPDATE health_codes SET color = 'green', reason = 'registered', expires_at = NULL, version = version + 1 WHERE color = 'yellow'`,
  );
  await backdateCodes(client, windowId);
  await checkpoint(client, (m) => ctx.log(`batch: ${m}`));
}

/** The batch app's environment on the production grid. */
const batchEnv = (ctx: BenchContext) =>
  productionAppEnv(ctx, {
    HC_WINDOW_SECONDS: String(GRID.windowSeconds),
    HC_SLOT_SECONDS: String(GRID.slotSeconds),
    HC_GRACE_SECONDS: String(GRID.graceSeconds),
  });

/**
 * Reopens the window and has the running batch processes (`workers` of them) trace it: a tick job
 * now, so the scheduler queues it at once instead of at its next tick (up to a minute). Times the trace.
 */
async function traceWith(
  ctx: BenchContext,
  client: pg.Client,
  queue: Queue,
  windowId: number,
  workers: number,
): Promise<TraceRun> {
  await resetWindow(ctx, client, windowId);
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
        `batch: ${workers} worker(s): traced in ${traceSec.toFixed(2)} s, of which until the exposures transaction ${untilWriteSec?.toFixed(2) ?? '?'} s (stats ${JSON.stringify(w.stats)})${claimedAt ? '' : ' (claim not seen: polling too slow; timed by the engine, durationMs)'}`,
      );
      return { workers, traceSec, untilWriteSec, stats: w.stats };
    }
    if (Date.now() > deadline)
      throw new Error(`window ${windowId} not traced after ${TRACE_TIMEOUT_MS / 60_000} min (status ${w.status})`);
    await sleep(claimedAt ? 20 : 200);
  }
}

/**
 * The timed traces. Their worker lives through all of them, as a production worker does (it traces
 * every window, hour after hour): started once, it first traces the window untimed, as the scan had
 * its untimed run (after the load the caches are cold, and that first trace takes several times as
 * long; --quick, a smoke check, goes without). Then alternating rounds, so a busy moment does not
 * favour one side (the best round counts); a second process joins for the 2-worker runs, new each
 * time (the worker that picks the job up may be either). Last, the first trace of a new process,
 * on the caches the runs left: what a worker just started (a deploy, a crash) takes, its code not
 * yet compiled by the JIT.
 */
async function timeTraces(
  ctx: BenchContext,
  trace: (workers: number) => Promise<TraceRun>,
): Promise<{ warmUp: TraceRun | null; runs: TraceRun[]; fresh: TraceRun | null }> {
  const { warmUp, runs } = await ctx.processes.withApp('batch', batchEnv(ctx), 'batch-1', async () => {
    const warmUp = ctx.quick ? null : await trace(1);
    if (warmUp) ctx.log(`batch: warm-up trace (not counted): ${warmUp.traceSec.toFixed(2)} s`);
    const runs: TraceRun[] = [];
    for (let round = 0; round < (ctx.quick ? 1 : ROUNDS); round++) {
      runs.push(await trace(1));
      runs.push(await ctx.processes.withApp('batch', batchEnv(ctx), `batch-2-round-${round + 1}`, () => trace(2)));
    }
    return { warmUp, runs };
  });
  const fresh = ctx.quick ? null : await ctx.processes.withApp('batch', batchEnv(ctx), 'batch-fresh', () => trace(1));
  return { warmUp, runs, fresh };
}

export const batch: Scenario = {
  name: 'batch',
  description:
    'trace one closed window of 2M pings (--full 10M, --quick 200k; 0.1% red) with 1 and 2 batch processes against a count(*) sequential scan of its rows',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const target = ctx.quick ? SIZES.quick : ctx.full ? SIZES.full : SIZES.default;
    const windowId = lastClosedWindowId(Date.now(), GRID);
    return withClient(ctx.databaseUrl, async (client) => {
      const city = await loadCity(ctx, client, target, windowId);
      const scan = await scanBaseline(client, windowId);
      if (scan.count !== city.pings) throw new Error(`the scan counted ${scan.count} pings, ${city.pings} were loaded`);
      ctx.log(
        `batch: count(*) sequential scan of the window: ${scan.sec.toFixed(3)} s (warm median of ${scan.runs.map((r) => r.toFixed(3)).join(', ')}); plan: ${scan.plan.join(' | ')}`,
      );
      const queue = new Queue(TRACING_QUEUE, {
        connection: { url: ctx.redisUrl },
        prefix: queuePrefix(ctx.keyPrefix),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      const { warmUp, runs, fresh } = await timeTraces(ctx, (workers) =>
        traceWith(ctx, client, queue, windowId, workers),
      ).finally(() => queue.close());
      const best = (workers: number) =>
        runs.filter((r) => r.workers === workers).sort((a, b) => a.traceSec - b.traceSec)[0];
      const [one, two] = [best(1), best(2)];
      const shards = process.env.HC_TRACE_SHARDS ?? 'default';
      for (const [k, v] of Object.entries({
        ...city,
        windowId,
        grid: GRID,
        traceShards: shards,
        scan,
        warmUp,
        traces: runs,
        fresh,
      }))
        ctx.detail(k, v);
      const baselineLabel = `SELECT count(*) of the window's ${city.pings.toLocaleString('en-US')} rows, sequential scan, warm (median of ${SCAN_RUNS})`;
      const s = one.stats;
      const note = `best of ${runs.length / 2} alternating rounds in a worker process that lives through them${warmUp ? ', after its untimed warm-up trace' : ''}; ${city.people.toLocaleString('en-US')} people, ${city.red} red, ${s.contacts} contacts, ${s.autoApplied} applied automatically; until the exposures transaction ${one.untilWriteSec?.toFixed(2)} s, engine durationMs ${s.durationMs} (1 worker); shards: ${shards}`;
      return [
        row({
          scenario: 'batch',
          metric: 'trace, 1 worker',
          unit: 's',
          value: one.traceSec,
          baseline: scan.sec,
          baselineLabel,
          note,
        }),
        row({
          scenario: 'batch',
          metric: 'trace, 2 workers',
          unit: 's',
          value: two.traceSec,
          baseline: scan.sec,
          baselineLabel,
        }),
        ...(fresh
          ? [
              row({
                scenario: 'batch',
                metric: 'trace, 1 worker, new process',
                unit: 's',
                value: fresh.traceSec,
                baseline: scan.sec,
                baselineLabel,
                note: 'the first trace of a process just started (one run)',
              }),
            ]
          : []),
        row({
          scenario: 'batch',
          metric: 'pings/s, 1 worker',
          unit: 'pings/s',
          value: city.pings / one.traceSec,
          baseline: null,
          baselineLabel: null,
        }),
        row({
          scenario: 'batch',
          metric: 'pings/s, 2 workers',
          unit: 'pings/s',
          value: city.pings / two.traceSec,
          baseline: null,
          baselineLabel: null,
        }),
      ];
    });
  },
};
