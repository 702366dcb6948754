import { lastClosedWindowId } from '#libs/domain/index.js';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { withClient } from '../support/postgres.js';
import {
  batchEnv,
  bestRun,
  GRID,
  loadCity,
  scanBaseline,
  SCAN_RUNS,
  timeTraces,
  traceWith,
  tracingQueue,
} from '../support/window-trace.js';

const SIZES = { quick: 200_000, default: 2_000_000, full: 10_000_000 };
const RED_FRACTION = 0.001;
const ROUNDS = 2;

export const batch: Scenario = {
  name: 'batch',
  description:
    'trace one closed window of 2M pings (--full 10M, --quick 200k; 0.1% red) with 1 and 2 batch processes against a count(*) sequential scan of its rows',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const target = ctx.quick ? SIZES.quick : ctx.full ? SIZES.full : SIZES.default;
    const windowId = lastClosedWindowId(Date.now(), GRID);
    return withClient(ctx.databaseUrl, async (client) => {
      const city = await loadCity(ctx, client, target, windowId, { redFraction: RED_FRACTION, tag: 'batch' });
      const scan = await scanBaseline(client, windowId);
      if (scan.count !== city.pings) throw new Error(`the scan counted ${scan.count} pings, ${city.pings} were loaded`);
      ctx.log(
        `batch: count(*) sequential scan of the window: ${scan.sec.toFixed(3)} s (warm median of ${scan.runs.map((r) => r.toFixed(3)).join(', ')}); plan: ${scan.plan.join(' | ')}`,
      );
      const queue = tracingQueue(ctx);
      const { warmUp, runs, fresh } = await timeTraces(
        ctx,
        {
          tag: 'batch',
          env: batchEnv(ctx),
          rounds: ctx.quick ? 1 : ROUNDS,
          twoWorkers: true,
          warmUp: !ctx.quick,
          fresh: !ctx.quick,
        },
        (workers) => traceWith(ctx, client, queue, windowId, workers, 'batch'),
      ).finally(() => queue.close());
      const [one, two] = [bestRun(runs, 1)!, bestRun(runs, 2)!];
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
