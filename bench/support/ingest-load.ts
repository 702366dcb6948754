import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { productionAppEnv, type BenchContext } from '../scenario.js';
import { runCopyBaseline, type CopyRun } from './copy-baseline.js';
import { withCpuUsage, type CpuUsage } from './cpu.js';
import type { LoadResult, LoadSpec } from './load-generator.js';
import { fetchMetrics, metricValue } from './metrics.js';
import { fillCodeCache, seedPeople, userToken, writeUserTokens } from './people.js';
import {
  IMPLAUSIBLE_MOVES_ALLOWED,
  oldestTsOf,
  pingsBody,
  writeCellPool,
  PingBatchGenerator,
  type PingBatchSpec,
} from './pings.js';
import { checkpoint, durabilitySettings, localPostgresPid, withClient } from './postgres.js';
import type { RunningProcess } from './processes.js';
import { localRedisPid } from './redis.js';

// The write path's measurement, shared by the `ingest` and `ingest-growth` scenarios: POST
// /v1/pings to the ingest app against COPY of as many rows into the same table, in interleaved
// rounds. The scenarios differ only in what the table holds when each side starts.

/**
 * `rounds`: the API and the COPY baseline measured in turn (API, COPY, API, COPY, ...), and the
 * medians compared: the machine's speed drifts by tens of percent from minute to minute (the same
 * COPY ran 333-454k rows/s between runs), so a lone measurement of either side decides the ratio.
 */
export interface IngestSize {
  users: number;
  warmupSec: number;
  durationSec: number;
  minCopyRows: number;
  rounds: number;
}

/** The sizes of the measurement (the same for the `ingest` and `ingest-growth` scenarios). */
export const INGEST_SIZES: Record<'quick' | 'full', IngestSize> = {
  quick: { users: 10_000, warmupSec: 2, durationSec: 5, minCopyRows: 200_000, rounds: 1 },
  full: { users: 100_000, warmupSec: 5, durationSec: 20, minCopyRows: 2_000_000, rounds: 3 },
};

/**
 * Phones posting at once (keep-alive connections, each sending its next batch on the answer). A
 * country's phones posting every few minutes keep hundreds of requests open at once (10 million
 * phones every 5 minutes at 20-50 ms each: 700-1,700). The group commits grow with the requests
 * waiting, and Postgres spends less per ping in a large commit when it shares the cores; a closed
 * loop caps the waiting pings at connections x 50 (phones arriving on their own do not stop while
 * commits are slow), so too few connections measure less than the app sustains. 512 is where the
 * throughput stopped growing on the bench machine; more only added latency (docs/benchmarks.md).
 */
export const CONNECTIONS = 512;
export const BATCH_SIZE = 50;
/** One ping a minute: a batch covers the 50 minutes before the phone's previous batch. */
export const STEP_MS = 60_000;
/** The newest ping of the run is this old when the scenario starts (within the clock-skew rules either way). */
export const NEWEST_AGE_MS = 5 * 60_000;
const CELL_POOL = 100_000;
/** Rows per COPY (one transaction each) in the baseline: the ingest app's largest group commit. */
const COPY_CHUNK_ROWS = 20_000;
const RETENTION_DAYS = 14;
/**
 * Processes of the ingest app (HC_HTTP_WORKERS): one per core, as deployed. Each makes one group
 * commit at a time (apps/ingest/src/pings/ping-writer.service.ts), so two processes keep two
 * Postgres backends copying, like the baseline's two streams.
 */
export const INGEST_PROCESSES = os.availableParallelism();

export const pct = (x: number | null | undefined) => (x == null ? '?' : `${Math.round(x * 100)}%`);
export const cores1 = (x: number | null | undefined) => (x == null ? '?' : x.toFixed(2));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the table holds when each measured side starts, and how its rows are counted. The load
 * writes users 1..users + 1 only (the last one: the answers' check), so `stored` may count those.
 */
export interface IngestTable {
  /** Brings `pings` to the state each side starts from, with the dirty pages written out. */
  reset(): Promise<void>;
  /** The rows the measured side stored. */
  stored(): Promise<number>;
}

/** The plain table of the `ingest` scenario: emptied (every partition, the partitions stay) before each side. */
export function emptyPingsTable(ctx: BenchContext, tag: string): IngestTable {
  return {
    reset: () =>
      withClient(ctx.databaseUrl, async (c) => {
        await c.query('TRUNCATE pings');
        await checkpoint(c, (m) => ctx.log(`${tag}: ${m}`));
      }),
    stored: () =>
      withClient(ctx.databaseUrl, async (c) =>
        Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM pings')).rows[0].n),
      ),
  };
}

/**
 * Forgets every window (and what hangs on them: tracing state, late pings): windows another
 * scenario traced (batch) would make many of this load's pings late, another and slower path than
 * the one measured.
 */
export async function forgetWindows(ctx: BenchContext): Promise<void> {
  await withClient(ctx.databaseUrl, (c) => c.query('TRUNCATE windows, pending_late_pings CASCADE'));
}

/** Waits until the row count stops moving (the commits of requests still in flight when the load stopped). */
async function settledCount(table: IngestTable): Promise<number> {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 100 && same < 3; i++) {
    const n = await table.stored();
    same = n === last ? same + 1 : 0;
    last = n;
    if (same < 3) await sleep(300);
  }
  return last;
}

interface IngestCounters {
  accepted: number;
  late: number;
  rejected: number;
  commits: number;
  committedPings: number;
  commitSeconds: number;
  refused: number;
}

/** The ingest app's own counters (summed over its workers by its metrics port). */
async function ingestCounters(url: string): Promise<IngestCounters> {
  const text = await fetchMetrics(url);
  const value = (name: string, label?: string) => metricValue(text, name, label);
  return {
    accepted: value('hc_pings_total', 'outcome="accepted"'),
    late: value('hc_pings_total', 'outcome="late"'),
    rejected: value('hc_pings_total', 'outcome="rejected"'),
    commits: value('hc_ingest_commit_pings_count'),
    committedPings: value('hc_ingest_commit_pings_sum'),
    commitSeconds: value('hc_ingest_commit_seconds_sum'),
    refused: value('hc_ingest_writer_refused_total'),
  };
}

const minus = (a: IngestCounters, b: IngestCounters): IngestCounters => ({
  accepted: a.accepted - b.accepted,
  late: a.late - b.late,
  rejected: a.rejected - b.rejected,
  commits: a.commits - b.commits,
  committedPings: a.committedPings - b.committedPings,
  commitSeconds: a.commitSeconds - b.commitSeconds,
  refused: a.refused - b.refused,
});

/** One batch for a user outside the load's range, twice: stored once, the same answer both times. */
async function checkAnswers(
  ctx: BenchContext,
  url: string,
  userId: number,
  spec: PingBatchSpec,
  cells: string[],
): Promise<void> {
  const body = pingsBody(new PingBatchGenerator(spec, cells, userId).next(userId));
  const post = async () => {
    const res = await fetch(`${url}/v1/pings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken(ctx.jwtSecret, userId)}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as { accepted?: number; late?: number; rejected?: number } };
  };
  const first = await post();
  const again = await post();
  const stored = await withClient(ctx.databaseUrl, async (c) =>
    Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [userId])).rows[0].n),
  );
  const ok = (a: typeof first) =>
    a.status === 202 && (a.body.accepted ?? 0) + (a.body.late ?? 0) === BATCH_SIZE && a.body.rejected === 0;
  if (!ok(first) || JSON.stringify(first) !== JSON.stringify(again) || stored !== BATCH_SIZE) {
    throw new Error(
      `POST /v1/pings of ${BATCH_SIZE} pings answered ${JSON.stringify(first)}, then ${JSON.stringify(again)}; ${stored} rows stored`,
    );
  }
}

export interface ApiRun {
  load: LoadResult;
  cpu: CpuUsage;
  /** Rows the load stored, once the commits still in flight when the load stopped were done. */
  stored: number;
  /** 202'd pings (accepted + late, as the answers said) inside the measured time. */
  acknowledged: number;
  pingsPerSec: number;
  server: IngestCounters;
}

/** One measured load on the running app, from the table's starting state (each run numbers its batches from 0 again). */
async function measureApi(
  ctx: BenchContext,
  table: IngestTable,
  metricsUrl: string,
  groups: { server: number; redis: number | null; postgres: number | null },
  loadSpec: Omit<LoadSpec, 'durationSec'>,
  durationSec: number,
): Promise<ApiRun> {
  await table.reset();
  const before = await ingestCounters(metricsUrl);
  const { result: load, cpu } = await withCpuUsage(groups, (onStart) =>
    ctx.load.run({ ...loadSpec, durationSec, onStart }),
  );
  const stored = await settledCount(table);
  const server = minus(await ingestCounters(metricsUrl), before);
  const acknowledged = (load.pings?.accepted ?? 0) + (load.pings?.late ?? 0);
  return { load, cpu, stored, acknowledged, pingsPerSec: acknowledged / load.durationSec, server };
}

/** What is wrong with one API run: every acknowledged ping stored, nothing deduplicated away, nothing refused. */
function apiProblems(api: ApiRun): string[] {
  const problems: string[] = [];
  const inFlightMax = CONNECTIONS * BATCH_SIZE;
  if (api.server.accepted + api.server.late !== api.stored)
    problems.push(
      `the app counted ${api.server.accepted + api.server.late} pings stored but ${api.stored} rows are in pings (duplicates?)`,
    );
  if (api.stored < api.acknowledged || api.stored > api.acknowledged + inFlightMax)
    problems.push(
      `${api.acknowledged} pings acknowledged but ${api.stored} rows stored (at most ${inFlightMax} more expected: requests in flight when the load stopped)`,
    );
  if (api.server.late)
    problems.push(`${api.server.late} pings late (their windows were traced): not the path measured`);
  if (api.load.pings?.rejected) problems.push(`${api.load.pings.rejected} pings rejected (out of the time rules)`);
  if (api.server.refused) problems.push(`${api.server.refused} requests refused by a full writer (503)`);
  return problems;
}

export interface CopyRound {
  copy: CopyRun;
  stored: number;
}

/** The baseline: `rows` rows COPY'd from the table's starting state by bench/baseline/ingest-copy-baseline.ts, one stream per core. */
async function measureCopy(
  ctx: BenchContext,
  table: IngestTable,
  rows: number,
  users: number,
  spec: PingBatchSpec,
  postgresPid: number | null,
): Promise<CopyRound> {
  await table.reset();
  const copy = await runCopyBaseline({
    DATABASE_URL: ctx.databaseUrl,
    ROWS: String(rows),
    USERS: String(users),
    CELLS_FILE: spec.cellsFile,
    BATCH_SIZE: String(spec.size),
    NEWEST_MS: String(spec.newestMs),
    STEP_MS: String(spec.stepMs),
    STREAMS: String(os.availableParallelism()),
    CHUNK_ROWS: String(COPY_CHUNK_ROWS),
    ...(postgresPid ? { POSTGRES_PID: String(postgresPid) } : {}),
  });
  return { copy, stored: await table.stored() };
}

/** Runs `fn` and logs how long it took. */
export async function timedStep<T>(ctx: BenchContext, tag: string, what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  ctx.log(`${tag}: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return r;
}

/** What the phones of a run send, and the tokens they send it with. */
export interface IngestLoad {
  users: number;
  spec: PingBatchSpec;
  cells: string[];
  tokensFile: string;
  /** The cell pool, in a line (for the report). */
  pool: string;
  settings: Record<string, string>;
  pids: { postgres: number | null; redis: number | null };
}

/**
 * Draws the cell pool, seeds the users (ingest checks each token against its person's entry in
 * the read model: they exist, and their entries are in Redis as on a running system), mints their
 * tokens and logs the server's durability settings.
 * `newestMs`: the newest ping time of the run (default: NEWEST_AGE_MS ago).
 */
export async function prepareIngestLoad(
  ctx: BenchContext,
  tag: string,
  users: number,
  newestMs = Date.now() - NEWEST_AGE_MS,
): Promise<IngestLoad> {
  const settings = await durabilitySettings(ctx.databaseUrl);
  ctx.log(
    `${tag}: Postgres ${settings.server_version}: synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}, wal_sync_method=${settings.wal_sync_method}, commit_delay=${settings.commit_delay}, shared_buffers=${settings.shared_buffers}, max_wal_size=${settings.max_wal_size}`,
  );
  if (settings.synchronous_commit !== 'on' || settings.fsync !== 'on')
    ctx.log(
      `${tag}: WARNING: commits are not durable on this server; both sides are measured alike, but not as in production`,
    );
  const pids = { postgres: await localPostgresPid(ctx.databaseUrl), redis: await localRedisPid(ctx.redisUrl) };
  const cellsFile = path.join(ctx.workDir, `${tag}-cells.txt`);
  const pool = await timedStep(ctx, tag, 'drew the cell pool', async () => writeCellPool(cellsFile, CELL_POOL));
  const cells = readFileSync(cellsFile, 'utf8').split('\n').filter(Boolean);
  const tokensFile = path.join(ctx.workDir, `${tag}-tokens.txt`);
  // users + 1: the last one is the answers' check (runIngestRounds).
  await timedStep(ctx, tag, `seeded ${users + 1} people and their read-model entries`, async () => {
    await seedPeople(ctx.databaseUrl, users + 1, { green: 100, yellow: 0, red: 0 });
    await fillCodeCache(ctx.databaseUrl, ctx.redisUrl, ctx.keyPrefix);
  });
  await timedStep(ctx, tag, `minted ${users} user tokens`, () => writeUserTokens(tokensFile, ctx.jwtSecret, users));
  const spec: PingBatchSpec = { size: BATCH_SIZE, cellsFile, newestMs, stepMs: STEP_MS };
  // How many batches one user may get before the oldest would pass the retention (with an hour to spare).
  let maxBatches = 0;
  while (oldestTsOf(spec, maxBatches) > Date.now() - (RETENTION_DAYS * 24 - 1) * 3_600_000) maxBatches++;
  ctx.log(
    `${tag}: ${pool}; ${users} users, ${BATCH_SIZE} pings a batch (one a minute), up to ${maxBatches} batches per user stay within the retention`,
  );
  return { users, spec, cells, tokensFile, pool, settings, pids };
}

export interface IngestRounds {
  apiRuns: ApiRun[];
  copyRuns: CopyRound[];
  problems: string[];
}

/**
 * The ingest app, as in production, with the per-user limit out of the way, up through the rounds:
 * a warm-up, then `rounds` rounds of the API load followed by the COPY baseline of as many rows
 * (at least minCopyRows), each side starting from `table.reset()`.
 */
export async function runIngestRounds(
  ctx: BenchContext,
  tag: string,
  size: IngestSize,
  load: IngestLoad,
  table: IngestTable,
): Promise<IngestRounds> {
  const cores = os.availableParallelism();
  const { spec, pids } = load;
  await forgetWindows(ctx);
  await table.reset();
  const app: RunningProcess = await timedStep(
    ctx,
    tag,
    `started the ingest app (HC_HTTP_WORKERS=${INGEST_PROCESSES}: ${INGEST_PROCESSES} process${INGEST_PROCESSES > 1 ? 'es' : ''} on ${cores} cores)`,
    () =>
      ctx.processes.startApp(
        'ingest',
        productionAppEnv(ctx, {
          HC_HTTP_WORKERS: String(INGEST_PROCESSES),
          HC_PING_BATCHES_PER_MINUTE: '1000000',
          ...IMPLAUSIBLE_MOVES_ALLOWED,
        }),
        tag,
      ),
  );
  const apiRuns: ApiRun[] = [];
  const copyRuns: CopyRound[] = [];
  const problems: string[] = [];
  try {
    await checkAnswers(ctx, app.url, load.users + 1, spec, load.cells);
    const loadSpec = {
      url: app.url,
      method: 'POST' as const,
      path: '/v1/pings',
      tokensFile: load.tokensFile,
      connections: CONNECTIONS,
      pingBatches: spec,
    };
    ctx.log(
      `${tag}: ${ctx.load.describe(CONNECTIONS, true)}; warm-up ${size.warmupSec} s, then ${size.rounds} round(s) of ${size.durationSec} s, each followed by the COPY baseline of as many rows`,
    );
    await ctx.load.run({ ...loadSpec, durationSec: size.warmupSec });
    await settledCount(table);
    for (let round = 1; round <= size.rounds; round++) {
      const api = await measureApi(
        ctx,
        table,
        app.metricsUrl!,
        { server: app.process.pid!, ...pids },
        loadSpec,
        size.durationSec,
      );
      apiRuns.push(api);
      problems.push(...apiProblems(api).map((p) => `round ${round}: ${p}`));
      const { load: l } = api;
      ctx.log(
        `${tag}: round ${round}/${size.rounds}: api: ${Math.round(api.pingsPerSec)} pings/s (${Math.round(l.requestsPerSec)} req/s), p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(0)} ms; ` +
          `${api.acknowledged} pings acknowledged, ${api.stored} stored, the app counted ${api.server.accepted + api.server.late} in ${api.server.commits} commits (${(api.server.committedPings / Math.max(1, api.server.commits)).toFixed(0)} pings and ${((api.server.commitSeconds * 1000) / Math.max(1, api.server.commits)).toFixed(1)} ms per commit)` +
          (l.non2xx + l.socketErrors ? `; ${l.non2xx} non-2xx, ${l.socketErrors} socket errors` : '') +
          `; cpu: machine ${pct(api.cpu.machineBusy)} busy of ${cores} cores, ingest app ${cores1(api.cpu.cores.server)} cores, postgres ${cores1(api.cpu.cores.postgres)}, redis ${cores1(api.cpu.cores.redis)}, load generator ${cores1(api.cpu.cores.loadGenerator)}`,
      );

      // The baseline: as many rows (at least minCopyRows), COPY'd from the same starting state.
      const rows = Math.max(api.stored, size.minCopyRows);
      const { copy, stored } = await timedStep(
        ctx,
        tag,
        `round ${round}/${size.rounds}: COPY baseline of ${rows} rows`,
        () => measureCopy(ctx, table, rows, load.users, spec, pids.postgres),
      );
      copyRuns.push({ copy, stored });
      if (stored !== copy.rows)
        problems.push(`round ${round}: the COPY baseline loaded ${copy.rows} rows but ${stored} are in pings`);
      ctx.log(
        `${tag}: round ${round}/${size.rounds}: COPY: ${Math.round(copy.rowsPerSec)} rows/s (${copy.rows} rows in ${copy.seconds.toFixed(2)} s, ${copy.streams} streams, ${copy.commits} commits of up to ${copy.chunkRows}, days ${copy.days.join(' ')}); ` +
          `cpu: machine ${pct(copy.cpu.machineBusy)} busy; postgres ${cores1(copy.cpu.postgresCores)} cores, COPY client ${cores1(copy.cpu.clientCores)}; this round's ratio ${(api.pingsPerSec / copy.rowsPerSec).toFixed(2)}`,
      );
    }
  } finally {
    await app.stop();
  }
  return { apiRuns, copyRuns, problems };
}
