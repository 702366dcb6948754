import type pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '#libs/config/index.js';
import { CONTACT_HITS_SQL, contactHitsParams, TracingRepository } from '#libs/db/index.js';
import {
  CELL_RANGE_END,
  contactSearchRanges,
  lastClosedWindowId,
  sourceReachMs,
  windowEndMs,
  windowStartMs,
} from '#libs/domain/index.js';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { tickLabel, writeLineChart } from '../support/line-chart.js';
import { peakRss, resetPeakRss } from '../support/memory.js';
import { withClient } from '../support/postgres.js';
import { formatGrid } from '../support/report.js';
import { emptyBenchData } from '../support/reset.js';
import { median } from '../support/stats.js';
import {
  batchEnv,
  bestRun,
  GRID,
  loadCity,
  timeTraces,
  traceWith,
  tracingQueue,
  type CityLoad,
  type TimedTraces,
} from '../support/window-trace.js';

// How the trace's cost grows with the window's size and with the outbreak, against the work no
// engine can avoid: the index probes of the same search ranges, counted by one statement.

const SIZES = {
  quick: { pings: [100_000, 200_000, 400_000], outbreakPings: 200_000, rounds: 1 },
  full: { pings: [1_000_000, 2_000_000, 4_000_000, 8_000_000, 16_000_000], outbreakPings: 2_000_000, rounds: 2 },
};
const BASE_RED = 0.001;
const OUTBREAK_RED = [0.001, 0.01, 0.05];
/**
 * The circuit breaker (HC_AUTO_APPLY_MAX_PER_WINDOW) lifted at every point: a tripped breaker sends
 * every request to review, another and cheaper path, and the points would not compare.
 */
const NO_BREAKER = { HC_AUTO_APPLY_MAX_PER_WINDOW: '1000000000' };
const PROBE_RUNS = 3;
const TAG = 'trace-growth';
const MIB = 2 ** 20;

interface Point {
  label: string;
  target: number;
  redFraction: number;
  /** 2-worker runs beside the 1-worker ones (the outbreak series). */
  twoWorkers: boolean;
}

interface ProbeBaseline {
  sourcePings: number;
  ranges: number;
  hits: number;
  /** Warm median of PROBE_RUNS runs of the statement. */
  sec: number;
  runs: number[];
  plan: string[];
}

interface PointResult extends Point {
  city: CityLoad;
  probes: ProbeBaseline;
  traces: TimedTraces;
  one: { traceSec: number; stats: Record<string, unknown>; peakRssBytes: number | null };
  two: { traceSec: number } | null;
  /** Whether the peak is the trace's own (clear_refs) or the process's since it started. */
  peakPerTrace: boolean;
}

/**
 * The baseline: the window's source pings read as the engine reads them (TracingRepository), their
 * search ranges built by libs/domain's contactSearchRanges with the batch app's own configuration,
 * then one statement counting CONTACT_HITS_SQL's hits over all of them (probes and distance test,
 * nothing formed, summed or stored). Warm: the median of a few runs after an untimed one.
 */
async function probeBaseline(
  ctx: BenchContext,
  client: pg.Client,
  windowId: number,
  env: Record<string, string>,
): Promise<ProbeBaseline> {
  const config = loadConfig(env);
  const ds = await new DataSource({ type: 'postgres', url: ctx.databaseUrl }).initialize();
  let sources;
  try {
    const reach = sourceReachMs(windowId, config.grid, config.contact);
    sources = await new TracingRepository(ds).findSourcePings(reach.fromMs, reach.toMs, {
      from: '',
      to: CELL_RANGE_END,
    });
  } finally {
    await ds.destroy();
  }
  const ranges = contactSearchRanges(sources, windowId, config.grid, config.contact, config.geohashPrecision);
  const sql = `SELECT count(*)::int AS n FROM (${CONTACT_HITS_SQL}) hits`;
  const params = contactHitsParams(
    ranges,
    config.grid.slotSeconds,
    { fromMs: windowStartMs(windowId, config.grid), toMs: windowEndMs(windowId, config.grid) },
    config.contact.radiusMeters,
  );
  const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) =>
    r['QUERY PLAN'].trim(),
  );
  const runs: number[] = [];
  let hits = 0;
  for (let i = 0; i <= PROBE_RUNS; i++) {
    const t0 = performance.now();
    hits = (await client.query<{ n: number }>(sql, params)).rows[0].n;
    if (i > 0) runs.push((performance.now() - t0) / 1000); // the first run warms the cache
  }
  return { sourcePings: sources.length, ranges: ranges.length, hits, sec: median(runs), runs, plan };
}

async function measurePoint(ctx: BenchContext, point: Point, rounds: number): Promise<PointResult> {
  const tag = `${TAG} ${point.label}`;
  const env = batchEnv(ctx, NO_BREAKER);
  return withClient(ctx.databaseUrl, async (client) => {
    // Job ids repeat from one point's window to the next: every point starts from empty tables and queues.
    await emptyBenchData(client, ctx.redisUrl, ctx.keyPrefix);
    const windowId = lastClosedWindowId(Date.now(), GRID);
    const city = await loadCity(ctx, client, point.target, windowId, { redFraction: point.redFraction, tag });
    const probes = await probeBaseline(ctx, client, windowId, env);
    ctx.log(
      `${tag}: probes baseline: ${probes.sourcePings} source pings, ${probes.ranges} search ranges, ${probes.hits} hits counted in ${probes.sec.toFixed(3)} s (warm median of ${probes.runs.map((r) => r.toFixed(3)).join(', ')}); plan: ${probes.plan.filter((l) => /Scan|Join|Loop/.test(l)).join(' | ')}`,
    );
    const queue = tracingQueue(ctx);
    let peakPerTrace = true;
    const peaks = new Map<object, number | null>();
    const traces = await timeTraces(
      ctx,
      {
        tag: `${TAG}-${point.label.replace(/[^\w.]+/g, '-')}`,
        env,
        rounds,
        twoWorkers: point.twoWorkers,
        warmUp: !ctx.quick,
        fresh: false,
      },
      async (workers, worker) => {
        const pid = worker.process.pid!;
        if (workers === 1) peakPerTrace = resetPeakRss(pid) && peakPerTrace;
        const run = await traceWith(ctx, client, queue, windowId, workers, tag);
        if (workers === 1) {
          const peak = peakRss(pid);
          peaks.set(run, peak);
          ctx.log(`${tag}: peak RSS of the batch process: ${peak === null ? '?' : `${(peak / MIB).toFixed(0)} MiB`}`);
        }
        return run;
      },
    ).finally(() => queue.close());
    const one = bestRun(traces.runs, 1)!;
    const two = bestRun(traces.runs, 2);
    return {
      ...point,
      city,
      probes,
      traces,
      one: { traceSec: one.traceSec, stats: one.stats, peakRssBytes: peaks.get(one) ?? null },
      two: two ? { traceSec: two.traceSec } : null,
      peakPerTrace,
    };
  });
}

const num = (v: unknown) => Number(v ?? NaN);
const perSourceMs = (r: PointResult) => (r.one.traceSec * 1000) / num(r.one.stats.sourcePings);

function table(results: PointResult[]): string {
  const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '?');
  return formatGrid(
    'trace-growth: one closed window, best of the timed traces (1 worker), against the probe statement',
    [
      'window',
      'pings',
      'red',
      'source pings',
      'shards',
      'contacts',
      'requests',
      'applied',
      'review',
      'trace s',
      'ms/source ping',
      'probes s',
      'trace/probes',
      '2 workers s',
      'peak RSS MiB',
    ],
    results.map((r) => {
      const s = r.one.stats;
      return [
        r.label,
        f(r.city.pings),
        `${r.redFraction * 100}%`,
        f(num(s.sourcePings)),
        f(num(s.shards)),
        f(num(s.contacts)),
        f(num(s.requests)),
        f(num(s.autoApplied)),
        f(num(s.pendingReview)),
        f(r.one.traceSec, 2),
        f(perSourceMs(r), 3),
        f(r.probes.sec, 2),
        f(r.one.traceSec / r.probes.sec, 2),
        r.two ? f(r.two.traceSec, 2) : '-',
        r.one.peakRssBytes === null ? '?' : f(r.one.peakRssBytes / MIB),
      ];
    }),
  );
}

function charts(ctx: BenchContext, sizes: PointResult[], outbreak: PointResult[]): string[] {
  const files: string[] = [];
  const subtitle = `${ctx.quick ? 'quick-size smoke run, ' : ''}${new Date().toISOString().slice(0, 16)}Z; 1 worker, best of the timed traces`;
  files.push(
    writeLineChart(ctx.resultsDir, 'trace-growth-size.svg', {
      title: `Trace time per source ping as the window grows (${BASE_RED * 100}% red)`,
      subtitle,
      x: { label: 'pings in the window', log: true },
      y: { label: 'ms per source ping' },
      series: [
        { name: 'trace (batch app)', points: sizes.map((r) => [r.city.pings, perSourceMs(r)]) },
        {
          name: 'probe statement (count of the same hits)',
          points: sizes.map((r) => [r.city.pings, (r.probes.sec * 1000) / r.probes.sourcePings]),
          dashed: true,
        },
      ],
    }),
  );
  files.push(
    writeLineChart(ctx.resultsDir, 'trace-growth-outbreak.svg', {
      title: `Trace time as the outbreak grows (one window of ${tickLabel(outbreak[0]?.city.pings ?? 0)} pings)`,
      subtitle,
      x: { label: 'red people, %', log: true },
      y: { label: 'seconds', log: true },
      series: [
        { name: 'trace, 1 worker', points: outbreak.map((r) => [r.redFraction * 100, r.one.traceSec]) },
        {
          name: 'trace, 2 workers',
          points: outbreak.flatMap((r) => (r.two ? [[r.redFraction * 100, r.two.traceSec] as [number, number]] : [])),
        },
        {
          name: 'probe statement',
          points: outbreak.map((r) => [r.redFraction * 100, r.probes.sec]),
          dashed: true,
        },
      ],
    }),
  );
  const all = [...sizes, ...outbreak.filter((r) => !sizes.includes(r))].filter((r) => r.one.peakRssBytes !== null);
  if (all.length)
    files.push(
      writeLineChart(ctx.resultsDir, 'trace-growth-memory.svg', {
        title: 'Peak RSS of the batch process during a trace',
        subtitle,
        x: { label: 'source pings in the window', log: true },
        y: { label: 'peak RSS, MiB' },
        series: [
          {
            name: `window size series (${BASE_RED * 100}% red)`,
            points: sizes.flatMap((r) =>
              r.one.peakRssBytes === null
                ? []
                : [[num(r.one.stats.sourcePings), r.one.peakRssBytes / MIB] as [number, number]],
            ),
          },
          {
            name: 'outbreak series',
            points: outbreak.flatMap((r) =>
              r.one.peakRssBytes === null
                ? []
                : [[num(r.one.stats.sourcePings), r.one.peakRssBytes / MIB] as [number, number]],
            ),
          },
        ],
      }),
    );
  return files;
}

export const traceGrowth: Scenario = {
  name: 'trace-growth',
  description:
    'trace one closed window of 1-16M pings at 0.1% red, and of 2M pings at 0.1%, 1% and 5% red (--quick: 100-400k, 200k), against one statement counting the same contact hits (the index probes)',
  onDemand: true,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? SIZES.quick : SIZES.full;
    const label = (pings: number, red: number) => `${tickLabel(pings)} pings, ${red * 100}% red`;
    const points: Point[] = [
      ...size.pings.map((target) => ({
        label: label(target, BASE_RED),
        target,
        redFraction: BASE_RED,
        twoWorkers: target === size.outbreakPings,
      })),
      ...OUTBREAK_RED.filter((red) => red !== BASE_RED || !size.pings.includes(size.outbreakPings)).map((red) => ({
        label: label(size.outbreakPings, red),
        target: size.outbreakPings,
        redFraction: red,
        twoWorkers: true,
      })),
    ];
    ctx.log(
      `${TAG}: ${points.length} windows, one after another: ${points.map((p) => p.label).join('; ')}; circuit breaker lifted (HC_AUTO_APPLY_MAX_PER_WINDOW=${NO_BREAKER.HC_AUTO_APPLY_MAX_PER_WINDOW})`,
    );
    const results: PointResult[] = [];
    try {
      for (const [i, point] of points.entries()) {
        const t0 = Date.now();
        ctx.log(`${TAG}: window ${i + 1} of ${points.length}: ${point.label}`);
        results.push(await measurePoint(ctx, point, size.rounds));
        ctx.log(`${TAG}: window ${i + 1} of ${points.length} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    } finally {
      // Nothing of this scenario stays: the next one (or a later run) starts from empty tables.
      await withClient(ctx.databaseUrl, (c) => emptyBenchData(c, ctx.redisUrl, ctx.keyPrefix));
    }
    const sizes = size.pings.map((p) => results.find((r) => r.target === p && r.redFraction === BASE_RED)!);
    const outbreak = OUTBREAK_RED.map((red) =>
      results.find((r) => r.target === size.outbreakPings && r.redFraction === red)!,
    );
    console.log(`\n${table(results)}\n`);
    const files = charts(ctx, sizes, outbreak);
    ctx.log(`${TAG}: charts written: ${files.join(', ')}`);
    ctx.detail('points', results);
    ctx.detail('charts', files);
    ctx.detail('breaker', NO_BREAKER);

    const [small, large] = [sizes[0], sizes[sizes.length - 1]];
    const top = outbreak[outbreak.length - 1];
    const topLabel = `${top.redFraction * 100}% red`;
    const base = { scenario: TAG };
    const rows: BenchRow[] = [
      row({
        ...base,
        metric: `per-source-ping, ${tickLabel(large.target)} vs ${tickLabel(small.target)}`,
        unit: 'ms',
        value: perSourceMs(large),
        baseline: perSourceMs(small),
        baselineLabel: `the same run's trace of a ${tickLabel(small.city.pings)}-ping window, per source ping (${BASE_RED * 100}% red)`,
        note: `${num(large.one.stats.sourcePings)} vs ${num(small.one.stats.sourcePings)} source pings; target: at most 1.5`,
      }),
      row({
        ...base,
        metric: `trace vs probes, ${topLabel}`,
        unit: 's',
        value: top.one.traceSec,
        baseline: top.probes.sec,
        baselineLabel: `one statement counting the same contact hits over the same ${top.probes.ranges.toLocaleString('en-US')} search ranges (CONTACT_HITS_SQL, count(*)), warm median of ${PROBE_RUNS}`,
        note: `1 worker; ${num(top.one.stats.sourcePings)} source pings, ${num(top.one.stats.contacts)} contacts, ${num(top.one.stats.requests)} requests, ${num(top.one.stats.autoApplied)} applied; target: at most 2.5`,
      }),
      ...(top.two
        ? [
            row({
              ...base,
              metric: `2 workers vs 1, ${topLabel}`,
              unit: 's',
              value: top.two.traceSec,
              baseline: top.one.traceSec,
              baselineLabel: 'the same window traced by 1 worker',
              note: 'target: below 1',
            }),
          ]
        : []),
      ...[...new Set([top, large])]
        .filter((r) => r.one.peakRssBytes !== null)
        .map((r) => ({
          ...base,
          metric: `batch peak RSS, ${r.label}`,
          unit: 'MiB',
          value: r.one.peakRssBytes! / MIB,
          baseline: null,
          baselineLabel: null,
          ratio: null,
          note: `${r.peakPerTrace ? 'VmHWM reset before the trace (clear_refs)' : 'VmHWM since the process started'}; target: under 1 GiB`,
        })),
      ...results.map((r) =>
        row({
          ...base,
          metric: `trace, ${r.label}`,
          unit: 's',
          value: r.one.traceSec,
          baseline: r.probes.sec,
          baselineLabel: 'the probe statement on the same window (count of the same contact hits)',
        }),
      ),
    ];
    return rows;
  },
};
