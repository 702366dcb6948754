import type pg from 'pg';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import {
  emptyPingsTable,
  INGEST_SIZES,
  NEWEST_AGE_MS,
  prepareIngestLoad,
  runIngestRounds,
  timedStep,
  type IngestLoad,
  type IngestRounds,
  type IngestTable,
} from '../support/ingest-load.js';
import { tickLabel, writeLineChart } from '../support/line-chart.js';
import {
  fillPingPartition,
  pingPartitionAt,
  postgresFreeDisk,
  relationBytes,
  type PingPartition,
} from '../support/partition-fill.js';
import { checkpoint, withClient } from '../support/postgres.js';
import { formatGrid } from '../support/report.js';
import { median } from '../support/stats.js';

// The write path into a partition that is already full: the `ingest` measurement (API against
// COPY, interleaved rounds, durable commits) into the partition the load writes to, holding 0,
// 10 M and 50 M pings beforehand with its (cell, ts) index in place.

const FILLS = { quick: [0, 200_000, 1_000_000], full: [0, 10_000_000, 50_000_000] };
const TAG = 'ingest-growth';
/** The pre-filled rows' users: far above the load's (users 1..users + 1), so each side's rows can be told apart. */
const FILL_FIRST_USER = 1_000_000_000;
/**
 * How far back from its newest ping the load may write: each round numbers its batches from 0
 * again, and a user gets a few 50-minute batches at most (the COPY baseline's 2 M rows: ~5).
 */
const LOAD_SPAN_MS = 12 * 3_600_000;
/** Disk a pre-filled ping takes at most (heap, two indexes, their WAL), with room to spare. */
const BYTES_PER_FILLED_PING = 300;

/**
 * The newest ping time of the load: NEWEST_AGE_MS ago, unless that leaves less than LOAD_SPAN_MS
 * since the start of its (UTC) day; then the end of the day before, so every ping the load sends
 * lands in one day's partition. Old pings are accepted (up to the retention) and not late: no
 * window is traced.
 */
function newestMs(nowMs: number): number {
  const newest = nowMs - NEWEST_AGE_MS;
  const dayStart = Math.floor(newest / 86_400_000) * 86_400_000;
  return newest - dayStart >= LOAD_SPAN_MS ? newest : dayStart - 60_000;
}

/**
 * The filled partition as each side starts from it: the load's rows (users up to users + 1)
 * deleted, the dead index entries they left vacuumed away (INDEX_CLEANUP ON: the next round's
 * pings have the same keys), the dirty pages written out. Empty (fill 0): TRUNCATE, exactly as the
 * `ingest` scenario.
 */
function filledTable(ctx: BenchContext, load: IngestLoad, part: PingPartition, tag: string): IngestTable {
  const maxUser = load.users + 1;
  return {
    reset: () =>
      withClient(ctx.databaseUrl, async (c) => {
        const t0 = Date.now();
        const { rowCount } = await c.query('DELETE FROM pings WHERE user_id <= $1', [maxUser]);
        await c.query(`VACUUM (INDEX_CLEANUP ON) ${part.name}`);
        await checkpoint(c, (m) => ctx.log(`${tag}: ${m}`));
        ctx.log(
          `${tag}: reset: the load's ${rowCount ?? 0} rows deleted, ${part.name} vacuumed, checkpoint (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }),
    stored: () =>
      withClient(ctx.databaseUrl, async (c) =>
        Number(
          (await c.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id <= $1', [maxUser])).rows[0].n,
        ),
      ),
  };
}

interface FillResult {
  fill: number;
  partition: string;
  partitionBytes: number;
  fillSec: number;
  rounds: IngestRounds;
  apiPingsPerSec: number;
  copyRowsPerSec: number;
  p99Ms: number;
  /** Of the rows the last COPY round stored, the share in the filled partition. */
  inPartition: number;
}

async function measureFill(
  ctx: BenchContext,
  client: pg.Client,
  fill: number,
  load: IngestLoad,
  size: (typeof INGEST_SIZES)['full'],
): Promise<FillResult> {
  const tag = `${TAG}-${tickLabel(fill)}`;
  await client.query('TRUNCATE pings');
  // The load's pings reach back from its newest by a few hours: the partition of an hour back.
  const part = await pingPartitionAt(client, load.spec.newestMs - 3_600_000);
  const t0 = Date.now();
  if (fill) {
    const need = fill * BYTES_PER_FILLED_PING;
    const disk = await postgresFreeDisk(ctx.databaseUrl, ctx.resultsDir);
    ctx.log(
      `${tag}: filling ${part.name} (${part.bound}) with ${fill.toLocaleString('en-US')} pings; ${(disk.freeBytes / 2 ** 30).toFixed(1)} GiB free on the disk of ${disk.dir}, about ${(need / 2 ** 30).toFixed(1)} GiB needed`,
    );
    if (disk.freeBytes < need * 1.5)
      throw new Error(
        `not enough disk for ${fill} pings: ${(disk.freeBytes / 2 ** 30).toFixed(1)} GiB free on ${disk.dir}, want ${((need * 1.5) / 2 ** 30).toFixed(1)} GiB`,
      );
    await fillPingPartition(client, part, fill, load.cells, FILL_FIRST_USER, (m) => ctx.log(`${tag}: ${m}`));
    await checkpoint(client, (m) => ctx.log(`${tag}: ${m}`));
  }
  const fillSec = (Date.now() - t0) / 1000;
  const partitionBytes = await relationBytes(client, part.name);
  ctx.log(
    `${tag}: ${part.name} holds ${fill.toLocaleString('en-US')} pings, ${(partitionBytes / 2 ** 20).toFixed(0)} MiB with its indexes (${fillSec.toFixed(0)} s to fill)`,
  );
  const table = fill ? filledTable(ctx, load, part, tag) : emptyPingsTable(ctx, tag);
  const rounds = await runIngestRounds(ctx, tag, size, load, table);
  const { rows } = await client.query<{ inside: string; all: string }>(
    `SELECT count(*) FILTER (WHERE tableoid = $2::regclass) AS inside, count(*) AS all FROM pings WHERE user_id <= $1`,
    [load.users + 1, part.name],
  );
  const inPartition = Number(rows[0].inside) / Math.max(1, Number(rows[0].all));
  return {
    fill,
    partition: part.name,
    partitionBytes,
    fillSec,
    rounds,
    apiPingsPerSec: median(rounds.apiRuns.map((a) => a.pingsPerSec)),
    copyRowsPerSec: median(rounds.copyRuns.map((r) => r.copy.rowsPerSec)),
    p99Ms: median(rounds.apiRuns.map((a) => a.load.p99Ms)),
    inPartition,
  };
}

export const ingestGrowth: Scenario = {
  name: TAG,
  description:
    'the ingest measurement (API against COPY) into a day partition already holding 0, 10M and 50M pings with its indexes (--quick: 0, 200k, 1M)',
  onDemand: true,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? INGEST_SIZES.quick : INGEST_SIZES.full;
    const fills = ctx.quick ? FILLS.quick : FILLS.full;
    const load = await prepareIngestLoad(ctx, TAG, size.users, newestMs(Date.now()));
    ctx.log(
      `${TAG}: the load's newest ping ${new Date(load.spec.newestMs).toISOString()}; fills ${fills.map((f) => f.toLocaleString('en-US')).join(', ')}`,
    );
    const results: FillResult[] = [];
    await withClient(ctx.databaseUrl, async (client) => {
      try {
        for (const fill of fills)
          results.push(
            await timedStep(ctx, TAG, `measured with ${fill.toLocaleString('en-US')} pings in the partition`, () =>
              measureFill(ctx, client, fill, load, size),
            ),
          );
      } finally {
        // The filled partition goes (the app creates it again when it needs it), and the space with it.
        const names = [...new Set(results.map((r) => r.partition))];
        for (const name of names) await client.query(`DROP TABLE IF EXISTS ${name}`);
        await client.query('TRUNCATE pings');
        await checkpoint(client, (m) => ctx.log(`${TAG}: ${m}`));
      }
    });
    const problems = results.flatMap((r) => [
      ...r.rounds.problems.map((p) => `${tickLabel(r.fill)}: ${p}`),
      ...(r.inPartition < 0.95
        ? [
            `${tickLabel(r.fill)}: only ${(r.inPartition * 100).toFixed(1)}% of the load's rows landed in ${r.partition}`,
          ]
        : []),
    ]);
    for (const p of problems) ctx.fail(`check failed: ${p}`);

    const empty = results[0];
    const f = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(
      `\n${formatGrid(
        `ingest-growth: medians of ${size.rounds} round(s) of ${size.durationSec} s (API) and as many rows by COPY, from the same starting partition`,
        [
          'pings already in the partition',
          'api pings/s',
          'COPY rows/s',
          'api/COPY',
          'api vs empty',
          'api p99 ms',
          'partition MiB',
          'fill s',
        ],
        results.map((r) => [
          f(r.fill),
          f(r.apiPingsPerSec),
          f(r.copyRowsPerSec),
          (r.apiPingsPerSec / r.copyRowsPerSec).toFixed(2),
          (r.apiPingsPerSec / empty.apiPingsPerSec).toFixed(2),
          r.p99Ms.toFixed(0),
          f(r.partitionBytes / 2 ** 20),
          f(r.fillSec),
        ]),
      )}\n`,
    );
    const file = writeLineChart(ctx.resultsDir, 'ingest-growth.svg', {
      title: 'Ingest throughput into a partition that is already full',
      subtitle: `${ctx.quick ? 'quick-size smoke run, ' : ''}${new Date().toISOString().slice(0, 16)}Z; durable commits, (cell, ts) index in place`,
      x: { label: 'pings already in the partition' },
      y: { label: 'pings/s' },
      series: [
        { name: 'ingest app (POST /v1/pings)', points: results.map((r) => [r.fill, r.apiPingsPerSec]) },
        { name: 'COPY baseline', points: results.map((r) => [r.fill, r.copyRowsPerSec]), dashed: true },
      ],
    });
    ctx.log(`${TAG}: chart written: ${file}`);
    ctx.detail('users', size.users);
    ctx.detail('newestMs', load.spec.newestMs);
    ctx.detail('postgres', load.settings);
    ctx.detail('fills', results);
    ctx.detail('chart', file);
    ctx.detail('checks', problems.length ? problems : 'ok');

    const base = { scenario: TAG };
    const durability = `synchronous_commit=${load.settings.synchronous_commit}, fsync=${load.settings.fsync}`;
    return [
      ...results.slice(1).map((r) =>
        row({
          ...base,
          metric: `ingest pings/s at ${tickLabel(r.fill)}`,
          unit: 'pings/s',
          value: r.apiPingsPerSec,
          baseline: empty.apiPingsPerSec,
          baselineLabel: "the same run's ingest into the empty partition",
          note: `${durability}; target: at least 0.8`,
        }),
      ),
      ...results.map((r) =>
        row({
          ...base,
          metric: `ingest pings/s at ${tickLabel(r.fill)} vs COPY`,
          unit: 'pings/s',
          value: r.apiPingsPerSec,
          baseline: r.copyRowsPerSec,
          baselineLabel: 'COPY (binary, one stream per core) of as many rows into the same filled partition',
          note: r.fill ? 'target: at least 0.5' : undefined,
        }),
      ),
      ...results.slice(1).map((r) =>
        row({
          ...base,
          metric: `COPY rows/s at ${tickLabel(r.fill)}`,
          unit: 'rows/s',
          value: r.copyRowsPerSec,
          baseline: empty.copyRowsPerSec,
          baselineLabel: "the same run's COPY into the empty partition",
        }),
      ),
      {
        ...base,
        metric: 'ingest errors (non-2xx + socket + failed checks)',
        unit: 'count',
        value:
          results.reduce(
            (n, r) => n + r.rounds.apiRuns.reduce((m, a) => m + a.load.non2xx + a.load.socketErrors, 0),
            0,
          ) + problems.length,
        baseline: null,
        baselineLabel: null,
        ratio: null,
        ...(problems.length ? { note: problems.join('; ') } : {}),
      },
    ];
  },
};
