import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { loadConfig } from '#libs/config/index.js';
import { contactHitsParams, contactHitsSql, migrate, TracingRepository, utcDayRange } from '#libs/db/index.js';
import {
  CELL_RANGE_END,
  contactSearchRanges,
  lastClosedWindowId,
  sourceReachMs,
  windowEndMs,
  windowStartMs,
} from '#libs/domain/index.js';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { explainMatching, zoneCrossings } from '../support/citus-plan.js';
import { emptyPingsTable, INGEST_SIZES, prepareIngestLoad, runIngestRounds } from '../support/ingest-load.js';
import { withClient } from '../support/postgres.js';
import { median } from '../support/stats.js';
import { batchEnv, bestRun, GRID, loadCity, timeTraces, traceWith, tracingQueue } from '../support/window-trace.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TRACE_PINGS = { quick: 200_000, default: 2_000_000 };
const RED_FRACTION = 0.001;
const MATCH_RUNS = 3;

interface CitusServices {
  startCitus: (opts: { root: string; log: (m: string) => void }) => Promise<{
    coordinatorUrl: string;
    workerUrls: string[];
    stop: () => Promise<void>;
  }>;
  citusAppPassword: (root: string) => string;
}
interface CitusDatabase {
  ensureCitusDatabase: (o: {
    coordinatorUrl: string;
    workerUrls: string[];
    name: string;
    appPassword: string;
  }) => Promise<string>;
}

/**
 * The bench's database on the local Citus cluster (started as `services-cli up --citus` does),
 * migrated, with the ping partitions of the retention. Answers a context on it and the cluster's stop.
 */
async function onCluster(ctx: BenchContext): Promise<{ cluster: BenchContext; stop: () => Promise<void> }> {
  const services = (await import(path.join(ROOT, 'scripts/lib/services.mjs'))) as CitusServices;
  const nodes = await services.startCitus({ root: ROOT, log: (m) => ctx.log(`citus: ${m}`) });
  const db = (await import(path.join(ROOT, 'scripts/lib/citus-database.mjs'))) as CitusDatabase;
  const url = await db.ensureCitusDatabase({
    ...nodes,
    name: 'hc_bench',
    appPassword: services.citusAppPassword(ROOT),
  });
  await migrate(url);
  const now = Date.now();
  await withClient(url, (c) =>
    c.query('SELECT hc_ensure_ping_partition(d::date) FROM unnest($1::text[]) d', [
      utcDayRange(now - 15 * 86_400_000, now + 2 * 86_400_000),
    ]),
  );
  return { cluster: { ...ctx, databaseUrl: url }, stop: nodes.stop };
}

/** The ingest scenario's measurement (POST /v1/pings, 512 phones at once) on one side: its median pings/s. */
async function ingestOn(ctx: BenchContext, tag: string): Promise<number> {
  const size = ctx.quick ? INGEST_SIZES.quick : INGEST_SIZES.full;
  const load = await prepareIngestLoad(ctx, tag, size.users);
  const { apiRuns, problems } = await runIngestRounds(ctx, tag, size, load, emptyPingsTable(ctx, tag));
  await withClient(ctx.databaseUrl, (c) => c.query('TRUNCATE pings'));
  for (const p of problems) ctx.fail(`${tag}: check failed: ${p}`);
  ctx.detail(`${tag}Ingest`, apiRuns);
  return median(apiRuns.map((a) => a.pingsPerSec));
}

/**
 * One closed window traced by one batch process (the batch scenario's measurement) on one side,
 * then the matching statement alone over the window's search ranges (warm median), and on the
 * cluster its EXPLAIN and how many searches crossed a zone border.
 */
async function traceOn(ctx: BenchContext, tag: string, distributed: boolean) {
  const target = ctx.quick ? TRACE_PINGS.quick : TRACE_PINGS.default;
  const windowId = lastClosedWindowId(Date.now(), GRID);
  return withClient(ctx.databaseUrl, async (client) => {
    const city = await loadCity(ctx, client, target, windowId, { redFraction: RED_FRACTION, tag });
    const queue = tracingQueue(ctx);
    const { runs } = await timeTraces(
      ctx,
      { tag, env: batchEnv(ctx), rounds: ctx.quick ? 1 : 2, twoWorkers: false, warmUp: !ctx.quick, fresh: false },
      (workers) => traceWith(ctx, client, queue, windowId, workers, tag),
    ).finally(() => queue.close());
    const trace = bestRun(runs, 1)!;

    const config = loadConfig(batchEnv(ctx));
    const reach = sourceReachMs(windowId, config.grid, config.contact);
    const ds = await new DataSource({ type: 'postgres', url: ctx.databaseUrl }).initialize();
    const sources = await new TracingRepository(ds)
      .findSourcePings(reach.fromMs, reach.toMs, { from: '', to: CELL_RANGE_END })
      .finally(() => ds.destroy());
    const ranges = contactSearchRanges(sources, windowId, config.grid, config.contact, config.geohashPrecision);
    const window = { fromMs: windowStartMs(windowId, GRID), toMs: windowEndMs(windowId, GRID) };
    const plan = distributed
      ? await explainMatching(client, ranges, GRID.slotSeconds, window, config.contact.radiusMeters)
      : null;
    const sql = `SELECT count(*)::int AS n FROM (${contactHitsSql(distributed)}) hits`;
    const params = contactHitsParams(ranges, GRID.slotSeconds, window, config.contact.radiusMeters, distributed);
    const times: number[] = [];
    for (let i = 0; i <= MATCH_RUNS; i++) {
      const t0 = performance.now();
      await client.query(sql, params);
      if (i > 0) times.push((performance.now() - t0) / 1000); // the first run warms the caches
    }
    ctx.log(
      `${tag}: trace ${trace.traceSec.toFixed(2)} s; matching statement ${median(times).toFixed(3)} s over ${ranges.length} ranges`,
    );
    return { city, trace, matchSec: median(times), ranges: ranges.length, crossings: zoneCrossings(ranges), plan };
  });
}

export const citus: Scenario = {
  name: 'citus',
  onDemand: true,
  description:
    'ingest (POST /v1/pings) and the trace of one closed window on a local Citus cluster (coordinator + 2 workers on loopback, pings distributed by zone) against the single Postgres server of the same machine',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const { cluster, stop } = await onCluster(ctx);
    try {
      const single = { ingest: await ingestOn(ctx, 'citus-single'), trace: await traceOn(ctx, 'citus-single', false) };
      const dist = {
        ingest: await ingestOn(cluster, 'citus-cluster'),
        trace: await traceOn(cluster, 'citus-cluster', true),
      };
      const { crossings, plan } = dist.trace;
      ctx.detail('single', single);
      ctx.detail('cluster', {
        ...dist,
        trace: { ...dist.trace, plan: plan && { ...plan, lines: plan.lines.slice(0, 60) } },
      });
      const base = 'the same on the single Postgres server of this machine';
      return [
        row({
          scenario: 'citus',
          metric: 'ingest pings/s',
          unit: 'pings/s',
          value: dist.ingest,
          baseline: single.ingest,
          baselineLabel: `${base} (the ingest scenario's load, its median pings/s)`,
          note: 'coordinator and 2 workers on one machine: every commit of the cluster is a two-phase commit over loopback',
        }),
        row({
          scenario: 'citus',
          metric: 'trace',
          unit: 's',
          value: dist.trace.trace.traceSec,
          baseline: single.trace.trace.traceSec,
          baselineLabel: `${base} (one closed window of ${dist.trace.city.pings.toLocaleString('en-US')} pings, 1 batch process)`,
          note: `matching statement alone ${dist.trace.matchSec.toFixed(3)} s (single ${single.trace.matchSec.toFixed(3)} s) over ${dist.trace.ranges.toLocaleString('en-US')} search ranges; ${crossings.crossing} of ${crossings.searches} searches crossed a zone border; EXPLAIN: ${plan?.tasks} shard tasks, ${plan?.subplans} subplans, index probes ${plan?.probesIndex}`,
        }),
      ];
    } finally {
      await stop();
    }
  },
};
