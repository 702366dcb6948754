import os from 'node:os';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import {
  BATCH_SIZE,
  CONNECTIONS,
  cores1,
  emptyPingsTable,
  INGEST_PROCESSES,
  pct,
  STEP_MS,
  prepareIngestLoad,
  runIngestRounds,
  INGEST_SIZES as SIZES,
} from '../support/ingest-load.js';
import { withClient } from '../support/postgres.js';
import { median, ofAll, sum } from '../support/stats.js';

export const ingest: Scenario = {
  name: 'ingest',
  description: `POST /v1/pings (${BATCH_SIZE}-ping batches, ${CONNECTIONS} phones at once, random users) to the ingest app against COPY of as many rows into the same table, in interleaved rounds`,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? SIZES.quick : SIZES.full;
    const cores = os.availableParallelism();
    const load = await prepareIngestLoad(ctx, 'ingest', size.users);
    const { settings, pool } = load;
    const { apiRuns, copyRuns, problems } = await runIngestRounds(
      ctx,
      'ingest',
      size,
      load,
      emptyPingsTable(ctx, 'ingest'),
    );
    await withClient(ctx.databaseUrl, (c) => c.query('TRUNCATE pings'));
    for (const p of problems) ctx.fail(`check failed: ${p}`);

    const apiPingsPerSec = median(apiRuns.map((a) => a.pingsPerSec));
    const copyRowsPerSec = median(copyRuns.map((r) => r.copy.rowsPerSec));
    const p99Ms = median(apiRuns.map((a) => a.load.p99Ms));
    const errors = sum(apiRuns.map((a) => a.load.non2xx + a.load.socketErrors));
    const copy = copyRuns[0].copy;

    ctx.detail('users', size.users);
    ctx.detail('connections', CONNECTIONS);
    ctx.detail('ingestProcesses', INGEST_PROCESSES);
    ctx.detail('batchSize', BATCH_SIZE);
    ctx.detail('pingEveryMs', STEP_MS);
    ctx.detail('cellPool', pool);
    ctx.detail('warmupSec', size.warmupSec);
    ctx.detail('durationSec', size.durationSec);
    ctx.detail('rounds', size.rounds);
    ctx.detail('loadGenerator', ctx.load.describe(CONNECTIONS, true));
    ctx.detail('postgres', settings);
    ctx.detail('api', apiRuns);
    ctx.detail('copy', copyRuns);
    ctx.detail('checks', problems.length ? problems : 'ok');

    const base = { scenario: 'ingest' };
    const list = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
    const copyLabel = `COPY pings FROM STDIN (FORMAT binary), ${copy.streams} streams, commit every ${copy.chunkRows.toLocaleString('en-US')} rows, as many rows as the API stored (at least ${size.minCopyRows.toLocaleString('en-US')}); the median of ${copyRuns.length} round(s): ${list(copyRuns.map((r) => r.copy.rowsPerSec))} rows/s`;
    const durability = `synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync} (SHOW on the bench database)`;
    const apiCores = (k: string) =>
      cores1(
        ofAll(
          apiRuns.map((a) => a.cpu.cores[k]),
          median,
        ),
      );
    const where = `ingest app: ${INGEST_PROCESSES} process(es) (HC_HTTP_WORKERS); the median of ${apiRuns.length} round(s): ${list(apiRuns.map((a) => a.pingsPerSec))} pings/s; cpu during the api runs (medians): machine ${pct(
      ofAll(
        apiRuns.map((a) => a.cpu.machineBusy),
        median,
      ),
    )} busy of ${cores} cores; ingest app ${apiCores('server')} cores, postgres ${apiCores('postgres')}, redis ${apiCores('redis')}, load generator ${apiCores('loadGenerator')}`;
    const perK = (cpuSec: number | null, n: number) => (cpuSec === null || !n ? null : (cpuSec * 1000 * 1000) / n);
    const apiStored = sum(apiRuns.map((a) => a.stored));
    const pgPerK = perK(
      ofAll(
        apiRuns.map((a) => a.cpu.cpuSec.postgres),
        sum,
      ),
      apiStored,
    );
    const copyPgPerK = perK(
      ofAll(
        copyRuns.map((r) => r.copy.cpu.postgresCpuSec),
        sum,
      ),
      sum(copyRuns.map((r) => r.copy.rows)),
    );
    const appPerK = perK(
      ofAll(
        apiRuns.map((a) => a.cpu.cpuSec.server),
        sum,
      ),
      apiStored,
    );
    return [
      {
        ...row({
          ...base,
          metric: 'ingest pings/s',
          unit: 'pings/s',
          value: apiPingsPerSec,
          baseline: copyRowsPerSec,
          baselineLabel: copyLabel,
        }),
        note: `${durability}; ${where}`,
      },
      {
        ...base,
        metric: 'ingest req/s',
        unit: 'req/s',
        value: median(apiRuns.map((a) => a.load.requestsPerSec)),
        baseline: null,
        baselineLabel: null,
        ratio: null,
      },
      {
        ...base,
        metric: 'ingest p99 latency',
        unit: 'ms',
        value: p99Ms,
        baseline: null,
        baselineLabel: null,
        ratio: null,
        note: `closed loop, ${CONNECTIONS} connections at full speed; the median of ${apiRuns.length} round(s): ${apiRuns.map((a) => a.load.p99Ms.toFixed(0)).join(', ')} ms`,
      },
      ...(pgPerK !== null && copyPgPerK !== null
        ? [
            row({
              ...base,
              metric: 'postgres cpu per 1000 pings',
              unit: 'ms',
              value: pgPerK,
              baseline: copyPgPerK,
              baselineLabel: 'the COPY baseline, all rounds',
            }),
          ]
        : []),
      ...(appPerK !== null
        ? [
            {
              ...base,
              metric: 'ingest app cpu per 1000 pings',
              unit: 'ms',
              value: appPerK,
              baseline: null,
              baselineLabel: null,
              ratio: null,
            },
          ]
        : []),
      {
        ...base,
        metric: 'ingest errors (non-2xx + socket + failed checks)',
        unit: 'count',
        value: errors + problems.length,
        baseline: null,
        baselineLabel: null,
        ratio: null,
        ...(errors || problems.length
          ? { note: `${errors} non-2xx or socket errors${problems.length ? `; ${problems.join('; ')}` : ''}` }
          : {}),
      },
    ];
  },
};
