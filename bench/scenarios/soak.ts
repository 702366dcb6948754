import path from 'node:path';
import { lastClosedWindowId, windowIdOf, type TimeGrid } from '#libs/domain/index.js';
import { productionAppEnv, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { gcProbeLaunch, liveMemory, type MemorySample } from '../support/memory.js';
import { fillCodeCache, seedPeople, writeUserTokens, type ColorMix } from '../support/people.js';
import { IMPLAUSIBLE_MOVES_ALLOWED, writeCellPool, type PingBatchSpec } from '../support/pings.js';
import { withClient } from '../support/postgres.js';
import type { RunningProcess } from '../support/processes.js';
import { emptyBenchData } from '../support/reset.js';
import {
  errorsOf,
  fixed,
  memoryGrowth,
  periods,
  periodTable,
  pingsOf,
  SOAK_APPS as APPS,
  type Growth,
  type Interval,
  type Period,
  type SoakApp as App,
  type TracingProgress,
} from '../support/soak-report.js';
import { median } from '../support/stats.js';

const PEOPLE = { quick: 20_000, default: 100_000 };
/** 1% red (infectious for two days already): every window the phones fill has sources to trace. */
const MIX: ColorMix = { green: 97, yellow: 2, red: 1 };
/**
 * A short grid (small values, as in docs/configuration.md) so that a window closes and
 * is traced every half minute.
 */
const GRID: TimeGrid = { windowSeconds: 30, slotSeconds: 5, graceSeconds: 10 };
const GRID_ENV = {
  HC_WINDOW_SECONDS: String(GRID.windowSeconds),
  HC_SLOT_SECONDS: String(GRID.slotSeconds),
  HC_GRACE_SECONDS: String(GRID.graceSeconds),
  HC_EXPOSURE_REVIEW_SECONDS: '10',
  HC_EXPOSURE_AUTO_SECONDS: '15',
};
/** The load runs in intervals of this length, each measured on its own (throughput and p99 over time). */
const INTERVAL_SEC = 10;
const READ_CONNECTIONS = 16;
const PING_CONNECTIONS = 8;
const BATCH_SIZE = 50;
/** A batch is a phone's last 5 s (one slot) of pings, 100 ms apart: current, so not late for a traced window. */
const STEP_MS = 100;
/** Fewer cells than the ingest scenario's pool: phones meet more often, so tracing finds contacts. */
const CELL_POOL = 10_000;
const GROWTH_LIMIT_PCT = 10;
/** The first 20% of the run is warm-up: throughput, p99 and the start memory are taken after it. */
const WARMUP_SHARE = 0.2;

async function tracingProgress(databaseUrl: string, sinceMs: number): Promise<TracingProgress> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ traced: number; lag: number | null; max_ms: number | null; sources: number }>(
      `SELECT count(*) FILTER (WHERE s.soak)::int AS traced,
              extract(epoch FROM now() - max(ends_at))::float8 AS lag,
              max((stats->>'durationMs')::float8) FILTER (WHERE s.soak) AS max_ms,
              coalesce(sum((stats->>'sourcePings')::float8) FILTER (WHERE s.soak), 0)::float8 AS sources
       FROM windows, LATERAL (SELECT ends_at > to_timestamp($1 / 1000.0) AS soak) s
       WHERE status = 'done'`,
      [sinceMs],
    );
    const r = rows[0];
    return { traced: r.traced, lagSec: r.lag, maxTraceMs: r.max_ms, sourcePings: r.sources };
  });
}

/** Reads and posts together for one interval (two load runs side by side), then the tracing progress. */
async function runInterval(
  ctx: BenchContext,
  urls: { api: string; ingest: string },
  files: { tokens: string; cells: string },
  t0: number,
  sec: number,
): Promise<Interval> {
  const startMs = Date.now();
  // The interval's newest ping is at its end (ahead of the clock by at most an interval, within the
  // allowed skew); a phone's first batch in the interval is the 5 s before it, so pings are current.
  const pingBatches: PingBatchSpec = {
    size: BATCH_SIZE,
    cellsFile: files.cells,
    newestMs: startMs + sec * 1000,
    stepMs: STEP_MS,
  };
  const [reads, pings] = await Promise.all([
    ctx.load.run({
      url: urls.api,
      method: 'GET',
      path: '/v1/codes/me',
      tokensFile: files.tokens,
      connections: READ_CONNECTIONS,
      durationSec: sec,
    }),
    ctx.load.run({
      url: urls.ingest,
      method: 'POST',
      path: '/v1/pings',
      tokensFile: files.tokens,
      connections: PING_CONNECTIONS,
      durationSec: sec,
      pingBatches,
    }),
  ]);
  return { atSec: (startMs - t0) / 1000, reads, pings, tracing: await tracingProgress(ctx.databaseUrl, t0) };
}

export const soak: Scenario = {
  name: 'soak',
  description: `api, ingest and batch together for --soak MINUTES: phones reading their code (${READ_CONNECTIONS} connections), posting ${BATCH_SIZE}-ping batches (${PING_CONNECTIONS}), windows of ${GRID.windowSeconds} s traced as they close; throughput over time, p99s, memory growth after warm-up`,
  onDemand: true,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const minutes = ctx.soakMinutes ?? (ctx.quick ? 1 : 10);
    const people = ctx.quick ? PEOPLE.quick : PEOPLE.default;
    const files = {
      tokens: path.join(ctx.workDir, 'soak-tokens.txt'),
      cells: path.join(ctx.workDir, 'soak-cells.txt'),
    };
    await withClient(ctx.databaseUrl, (c) => emptyBenchData(c, ctx.redisUrl, ctx.keyPrefix));
    await seedPeople(ctx.databaseUrl, people, MIX);
    await fillCodeCache(ctx.databaseUrl, ctx.redisUrl, ctx.keyPrefix);
    await writeUserTokens(files.tokens, ctx.jwtSecret, people);
    const pool = writeCellPool(files.cells, CELL_POOL);
    ctx.log(
      `soak: ${people} people (${MIX.red}% red, ${MIX.yellow}% yellow), ${pool}; windows of ${GRID.windowSeconds} s, slots of ${GRID.slotSeconds} s, grace ${GRID.graceSeconds} s`,
    );

    // One process each (HC_HTTP_WORKERS=1), so each app's memory is one process's; each with the GC probe.
    const env = productionAppEnv(ctx, {
      ...GRID_ENV,
      HC_HTTP_WORKERS: '1',
      HC_PING_BATCHES_PER_MINUTE: '1000000',
      ...IMPLAUSIBLE_MOVES_ALLOWED,
    });
    const probeFile = (app: App) => path.join(ctx.workDir, `soak-gc-${app}.json`);
    const apps = {} as Record<App, RunningProcess>;
    for (const app of APPS) {
      const probe = gcProbeLaunch(probeFile(app));
      apps[app] = await ctx.processes.startApp(app, { ...env, ...probe.env }, `soak-${app}`, probe.nodeArgs);
    }
    const probeAll = async () =>
      Object.fromEntries(
        await Promise.all(APPS.map(async (app) => [app, await liveMemory(apps[app], probeFile(app))])),
      ) as Record<App, MemorySample>;
    const totalSec = Math.round(minutes * 60);
    const warmSec = totalSec * WARMUP_SHARE;
    const periodSec = Math.max(INTERVAL_SEC, Math.round(totalSec / 10 / INTERVAL_SEC) * INTERVAL_SEC);
    ctx.log(
      `soak: ${minutes} min: ${ctx.load.describe(READ_CONNECTIONS)} reading, ${ctx.load.describe(PING_CONNECTIONS, true)} posting, in ${INTERVAL_SEC} s intervals, live memory probed after each`,
    );
    const t0 = Date.now();
    const intervals: Interval[] = [];
    for (let left = totalSec; left >= 1; left = totalSec - Math.round((Date.now() - t0) / 1000)) {
      const i = await runInterval(
        ctx,
        { api: apps.api.url, ingest: apps.ingest.url },
        files,
        t0,
        Math.min(INTERVAL_SEC, left),
      );
      intervals.push(i);
      ctx.log(
        `soak: ${Math.round(i.atSec)} s: ${Math.round(i.reads.requestsPerSec)} reads/s (p99 ${i.reads.p99Ms.toFixed(1)} ms), ${Math.round(pingsOf(i.pings) / i.pings.durationSec)} pings/s (p99 ${i.pings.p99Ms.toFixed(1)} ms), ${i.tracing.traced} windows traced`,
      );
      // Between two intervals: the collections' pauses fall outside the measured load.
      i.memory = await probeAll();
    }
    const endMs = Date.now();
    const [exposures, requests] = await withClient(ctx.databaseUrl, async (c) => [
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM exposures')).rows[0].n),
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM code_changes')).rows[0].n),
    ]);

    const measured = intervals.filter((i) => i.atSec >= warmSec);
    if (!measured.length) throw new Error(`the soak ran no interval after its warm-up (${warmSec} s)`);
    const overTime = periods(intervals, periodSec);
    const stretchSec = Math.min(60, warmSec);
    const probesIn = (fromSec: number, toSec: number) =>
      intervals
        .filter((i) => i.atSec + i.reads.durationSec >= fromSec && i.atSec + i.reads.durationSec <= toSec + 1)
        .map((i) => i.memory!);
    const [startProbes, endProbes] = [
      probesIn(warmSec, warmSec + stretchSec),
      probesIn(totalSec - stretchSec, totalSec),
    ];
    if (!startProbes.length || !endProbes.length)
      throw new Error(`the soak ended too soon after its warm-up (${warmSec} s) for a memory figure: run it longer`);
    const growth = memoryGrowth(startProbes, endProbes);
    // Windows ending after the start that closed (end + grace) before the end.
    const closed = Math.max(0, lastClosedWindowId(endMs, GRID) - windowIdOf(t0, GRID) + 1);
    const tracing = intervals[intervals.length - 1].tracing;
    const known = growth.filter((g) => g.pct !== null);
    const worst = known.reduce<Growth | null>((w, g) => (w === null || g.pct! > w.pct! ? g : w), null);
    const pass = worst !== null && known.length === growth.length && worst.pct! < GROWTH_LIMIT_PCT;
    const verdict =
      `${pass ? 'PASS' : 'FAIL'}: memory growth after warm-up ${pass ? 'under' : 'not under'} ${GROWTH_LIMIT_PCT}% for every app` +
      (worst
        ? ` (largest: ${worst.app} ${worst.figure} ${worst.pct! >= 0 ? '+' : ''}${worst.pct!.toFixed(1)}%)`
        : ' (no memory figures)');

    ctx.log(
      `soak: over time (periods of ${periodSec} s; p99 is the worst ${INTERVAL_SEC} s interval of the period; heap used and rss after full collections at the period's end):`,
    );
    for (const line of periodTable(overTime)) ctx.log(`  ${line}`);
    ctx.log(
      `soak: live memory (right after full collections) over the ${Math.round(stretchSec)} s after the ${Math.round(warmSec)} s warm-up -> over the last ${Math.round(stretchSec)} s (the lowest probe of each):`,
    );
    for (const g of growth)
      ctx.log(
        `  ${g.app} ${g.figure}: ${fixed(g.startMb, 1)} MB -> ${fixed(g.endMb, 1)} MB (${g.pct === null ? '?' : `${g.pct >= 0 ? '+' : ''}${g.pct.toFixed(1)}%`})`,
      );
    ctx.log(`soak: ${verdict}`);
    if (!pass) ctx.fail(verdict);

    const sum = (xs: Interval[], f: (i: Interval) => number) => xs.reduce((a, i) => a + f(i), 0);
    const readsPerSec = sum(measured, (i) => i.reads.requests) / sum(measured, (i) => i.reads.durationSec);
    const pingsPerSec = sum(measured, (i) => pingsOf(i.pings)) / sum(measured, (i) => i.pings.durationSec);
    const errors = sum(intervals, (i) => errorsOf(i.reads) + errorsOf(i.pings));
    const rejected = sum(intervals, (i) => i.pings.pings?.rejected ?? 0);
    const late = sum(intervals, (i) => i.pings.pings?.late ?? 0);
    const series = (f: (p: Period) => number) => overTime.map((p) => Math.round(f(p))).join(', ');
    ctx.detail('minutes', minutes);
    ctx.detail('people', people);
    ctx.detail('colorMix', MIX);
    ctx.detail('grid', GRID);
    ctx.detail('connections', { read: READ_CONNECTIONS, ping: PING_CONNECTIONS });
    ctx.detail('warmupSec', warmSec);
    ctx.detail('periodSec', periodSec);
    ctx.detail('periods', overTime);
    ctx.detail('intervals', intervals);
    ctx.detail('memoryGrowth', growth);
    ctx.detail('tracing', { windowsClosed: closed, ...tracing, exposures, requests, latePings: late });
    ctx.detail('verdict', verdict);

    const base = { scenario: 'soak', baseline: null, baselineLabel: null, ratio: null };
    const p99s = (f: (i: Interval) => number) => ({
      worst: Math.max(...measured.map(f)),
      median: median(measured.map(f)),
    });
    const readP99 = p99s((i) => i.reads.p99Ms);
    const pingP99 = p99s((i) => i.pings.p99Ms);
    return [
      {
        ...base,
        metric: 'reads/s after warm-up',
        unit: 'req/s',
        value: readsPerSec,
        note: `per ${periodSec} s from the start: ${series((p) => p.readsPerSec)}`,
      },
      {
        ...base,
        metric: 'pings/s after warm-up',
        unit: 'pings/s',
        value: pingsPerSec,
        note: `per ${periodSec} s from the start: ${series((p) => p.pingsPerSec)}; ${late} late, ${rejected} rejected`,
      },
      {
        ...base,
        metric: 'read p99 latency (worst interval)',
        unit: 'ms',
        value: readP99.worst,
        note: `median of the ${INTERVAL_SEC} s intervals after warm-up: ${readP99.median.toFixed(1)} ms`,
      },
      {
        ...base,
        metric: 'ping post p99 latency (worst interval)',
        unit: 'ms',
        value: pingP99.worst,
        note: `median of the ${INTERVAL_SEC} s intervals after warm-up: ${pingP99.median.toFixed(1)} ms`,
      },
      {
        ...base,
        metric: 'windows traced',
        unit: 'count',
        value: tracing.traced,
        note:
          `${closed} closed during the soak; per ${periodSec} s: ${series((p) => p.windowsTraced)}; ${Math.round(tracing.sourcePings)} source pings, ${exposures} exposures, ${requests} code-change requests; ` +
          `longest trace ${fixed(tracing.maxTraceMs === null ? null : tracing.maxTraceMs / 1000, 1)} s; lag at the end ${fixed(tracing.lagSec)} s (newest traced window's end to now: grace ${GRID.graceSeconds} s, tick, trace)`,
      },
      ...growth.map((g) => ({
        ...base,
        metric: `${g.app} ${g.figure} growth after warm-up`,
        unit: '%',
        value: g.pct ?? Number.NaN,
        note: `${fixed(g.startMb, 1)} MB -> ${fixed(g.endMb, 1)} MB`,
      })),
      {
        scenario: 'soak',
        metric: 'memory growth after warm-up (largest)',
        unit: '%',
        value: worst?.pct ?? Number.NaN,
        baseline: GROWTH_LIMIT_PCT,
        baselineLabel: `the limit: growth under ${GROWTH_LIMIT_PCT}% after warm-up`,
        ratio: worst ? worst.pct! / GROWTH_LIMIT_PCT : null,
        note: verdict,
      },
      {
        ...base,
        metric: 'soak errors (non-2xx + socket)',
        unit: 'count',
        value: errors,
        ...(errors ? { note: 'some requests failed: see the intervals in latest.json' } : {}),
      },
    ];
  },
};
