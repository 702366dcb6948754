// The floor the write path is measured against: the same kind of rows the ingest app stores
// (user_id bigint, ts timestamptz, cell text; made by the same generator as the load, see
// bench/support/pings.ts), loaded into the same `pings` table (same partitions, same indexes) with
// `COPY pings (user_id, ts, cell, pos_lat, pos_lon, pos_len) FROM STDIN (FORMAT binary)`, the format the ingest app writes
// (so Postgres does the same work per row on both sides; text COPY costs it about 13% more) - no
// HTTP, no JSON, no validation, no conflict check, no window bookkeeping. STREAMS connections copy in parallel, each in chunks of CHUNK_ROWS rows,
// one COPY (its own transaction, committed with the server's synchronous_commit) per chunk.
//
// The rows are made before the clock starts (as wrk makes its requests outside the server). The
// day partitions they need are created first (hc_ensure_ping_partition), outside the clock too.
// Prints one line `COPY_JSON {...}` with rows, seconds, rows/s and the CPU used meanwhile.
//
// Env: DATABASE_URL, ROWS, USERS, CELLS_FILE, BATCH_SIZE, NEWEST_MS, STEP_MS, STREAMS (default:
// cores), CHUNK_ROWS (default 20000), POSTGRES_PID (optional, for Postgres's CPU).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PING_COPY_COLUMNS, PING_COPY_HEADER, PING_COPY_TRAILER, toPingBatch } from '#libs/db/index.js';
import { cpuUsageBetween, takeCpuSnapshot } from '../support/cpu.js';
import { PingBatchGenerator } from '../support/pings.js';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] || fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const databaseUrl = env('DATABASE_URL');
const rows = Number(env('ROWS'));
const users = Number(env('USERS'));
const size = Number(env('BATCH_SIZE', '50'));
const streams = Number(env('STREAMS', String(os.availableParallelism())));
const chunkRows = Number(env('CHUNK_ROWS', '20000'));
const postgresPid = process.env.POSTGRES_PID ? Number(process.env.POSTGRES_PID) : null;

// Rows, as binary COPY tuples (the app's encoder), in chunks dealt round-robin to the streams (batches in the order made: random users).
const cells = readFileSync(env('CELLS_FILE'), 'utf8').split('\n').filter(Boolean);
const gen = new PingBatchGenerator(
  { size, newestMs: Number(env('NEWEST_MS')), stepMs: Number(env('STEP_MS')) },
  cells,
  users,
);
const chunks: Buffer[][] = Array.from({ length: streams }, () => []);
const days = new Set<string>();
let made = 0;
let chunk: Buffer[] = [];
let inChunk = 0;
let chunkCount = 0;
const flush = () => {
  chunks[chunkCount++ % streams].push(Buffer.concat([PING_COPY_HEADER, ...chunk, PING_COPY_TRAILER]));
  chunk = [];
  inChunk = 0;
};
while (made < rows) {
  const userId = gen.randomUser();
  const user = String(userId);
  const b = gen.next(userId);
  // A chunk ends exactly at chunkRows rows, so a batch may be split across two chunks.
  for (let from = 0; from < b.tsMs.length && made < rows;) {
    const n = Math.min(b.tsMs.length - from, chunkRows - inChunk, rows - made);
    const tsMs = b.tsMs.slice(from, from + n);
    for (const ms of tsMs) days.add(new Date(ms).toISOString().slice(0, 10));
    chunk.push(
      toPingBatch({
        userIds: tsMs.map(() => user),
        tsMs,
        cells: b.cells.slice(from, from + n),
        positions: b.cells.slice(from, from + n),
        accuracies: tsMs.map(() => 0),
      }).copyTuples,
    );
    from += n;
    made += n;
    inChunk += n;
    if (inChunk === chunkRows) flush();
  }
}
if (inChunk) flush();

const clients = await Promise.all(
  Array.from({ length: streams }, async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    return c;
  }),
);
try {
  await clients[0].query('SELECT hc_ensure_ping_partition(d::date) FROM unnest($1::text[]) d', [[...days].sort()]);
  const before = takeCpuSnapshot({ postgres: postgresPid });
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      for (const data of chunks[i])
        await pipeline(
          Readable.from([data]),
          c.query(copyFrom(`COPY pings ${PING_COPY_COLUMNS} FROM STDIN (FORMAT binary)`)),
        );
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuSelf = process.cpuUsage(cpuBefore);
  const cpu = cpuUsageBetween(before, takeCpuSnapshot({ postgres: postgresPid }));
  const selfSec = (cpuSelf.user + cpuSelf.system) / 1e6;
  console.log(
    `COPY_JSON ${JSON.stringify({
      rows: made,
      seconds,
      rowsPerSec: made / seconds,
      streams,
      chunkRows,
      commits: chunkCount,
      days: [...days].sort(),
      maxBatchesPerUser: gen.maxBatchesPerUser(),
      cpu: {
        machineBusy: cpu.machineBusy,
        postgresCores: cpu.cores.postgres ?? null,
        postgresCpuSec: cpu.cpuSec.postgres ?? null,
        clientCores: selfSec / seconds,
        clientCpuSec: selfSec,
      },
    })}`,
  );
} finally {
  await Promise.all(clients.map((c) => c.end()));
}
