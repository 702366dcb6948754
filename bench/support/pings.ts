import { writeFileSync } from 'node:fs';
import ngeohash from 'ngeohash';
import { WRK_START_LUA } from './wrk-start.js';

// What the phones of the `ingest` scenario send, shared by the load generators (wrk's Lua below
// and the JS generator for autocannon) and the COPY baseline, so both sides store rows of the same
// shape and spread:
//
// - Times: one ping a minute, a batch covering the `size` minutes before the previous batch of
//   the same user. User u's k-th batch (k = 0, 1, ...), ping j: newestMs - offset(u) - (k * size +
//   j) * stepMs, offset(u) = (u * 7919) mod stepMs (so users do not all share the same instants).
//   Every (user, ts) is new for the whole run, so nothing is deduplicated away.
// - Cells: a pool of distinct precision-8 geohashes drawn around a city (several districts, dense
//   centres, a sparser spread around), sorted, so neighbours in the pool are near on the ground.
//   A batch starts at a random cell of the pool and moves to a nearby one (within 50 places) at
//   20% of its pings: a phone staying put or moving a little, as over most 50-minute spans.

/**
 * The bench's phones step between neighbours of the geohash-sorted cell pool, which now and then
 * lie kilometres apart (at the edges of geohash cells): a move no phone makes in a minute. The
 * speed limit is lifted so that none of their pings is rejected; every ping is still judged.
 */
export const IMPLAUSIBLE_MOVES_ALLOWED = { HC_MAX_SPEED_KMH: '100000' };

/** How the batches of a run are made (the same for the API load and the COPY baseline). */
export interface PingBatchSpec {
  /** Pings per request. */
  size: number;
  /** The cell pool (bench/support/pings.ts writeCellPool): one geohash a line. */
  cellsFile: string;
  /** Newest ping time of the run (epoch ms): every batch is older. */
  newestMs: number;
  /** Time between two pings of one phone (ms). */
  stepMs: number;
}

/** 202 answers counted by the load generator (their `accepted`, `late`, `rejected` added up). */
export interface PingCounts {
  answers: number;
  accepted: number;
  late: number;
  rejected: number;
}

/** The offset of a user's ping times inside a step (the same formula in the Lua script). */
export const userOffsetMs = (userId: number, stepMs: number): number => (userId * 7919) % stepMs;

/** The oldest ping time a user's k-th batch holds (for checking that it is within the retention). */
export const oldestTsOf = (spec: Pick<PingBatchSpec, 'size' | 'newestMs' | 'stepMs'>, k: number): number =>
  spec.newestMs - (spec.stepMs - 1) - ((k + 1) * spec.size - 1) * spec.stepMs;

/** A small seeded generator (mulberry32): the same pool on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Wuhan-like: a centre and districts around it (km east/north of the centre, spread in km, weight). */
const CITY = { name: 'Wuhan', lat: 30.5928, lon: 114.3055 };
const DISTRICTS = [
  { east: 0, north: 0, sigmaKm: 2.5, weight: 25 },
  { east: -6, north: 4, sigmaKm: 3, weight: 15 },
  { east: 7, north: 5, sigmaKm: 3, weight: 15 },
  { east: 3, north: -7, sigmaKm: 3.5, weight: 12 },
  { east: -9, north: -5, sigmaKm: 4, weight: 10 },
  { east: 14, north: -2, sigmaKm: 4, weight: 8 },
  { east: 0, north: 0, sigmaKm: 15, weight: 15 }, // suburbs and everything between
];

/**
 * Writes `count` distinct precision-8 cells around the city, sorted, one a line; returns a line
 * describing the pool for the report.
 */
export function writeCellPool(file: string, count: number, seed = 42): string {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const total = DISTRICTS.reduce((a, d) => a + d.weight, 0);
  const cells = new Set<string>();
  const kmPerDegLat = 110.574;
  const kmPerDegLon = 111.32 * Math.cos((CITY.lat * Math.PI) / 180);
  for (let tries = 0; cells.size < count && tries < count * 20; tries++) {
    let pick = rand() * total;
    const d = DISTRICTS.find((x) => (pick -= x.weight) < 0) ?? DISTRICTS[0];
    const lat = CITY.lat + (d.north + gauss() * d.sigmaKm) / kmPerDegLat;
    const lon = CITY.lon + (d.east + gauss() * d.sigmaKm) / kmPerDegLon;
    cells.add(ngeohash.encode(lat, lon, 8));
  }
  const sorted = [...cells].sort();
  writeFileSync(file, `${sorted.join('\n')}\n`);
  return `${sorted.length} distinct precision-8 cells around ${CITY.name} (${DISTRICTS.length - 1} districts of 2.5-4 km spread and a 15 km spread around)`;
}

/**
 * The JS twin of the Lua generator: batches for users 1..users, each user's batches numbered from
 * 0 in the order they are asked for. One generator per run of the load (or of the baseline).
 */
export class PingBatchGenerator {
  private readonly batchesOf: Uint32Array;

  constructor(
    private readonly spec: Omit<PingBatchSpec, 'cellsFile'>,
    private readonly cells: string[],
    users: number,
    private readonly rand: () => number = Math.random,
  ) {
    this.batchesOf = new Uint32Array(users + 1);
  }

  /** A uniformly random user of 1..users. */
  randomUser(): number {
    return 1 + Math.floor(this.rand() * (this.batchesOf.length - 1));
  }

  /** The next batch of `userId`: ping times (epoch ms, newest first) and cells. */
  next(userId: number): { tsMs: number[]; cells: string[] } {
    const { size, newestMs, stepMs } = this.spec;
    const k = this.batchesOf[userId]++;
    const base = newestMs - userOffsetMs(userId, stepMs) - k * size * stepMs;
    const n = this.cells.length;
    let c = Math.floor(this.rand() * n);
    const tsMs: number[] = [];
    const cells: string[] = [];
    for (let j = 0; j < size; j++) {
      if (j > 0 && this.rand() < 0.2) c = Math.min(n - 1, Math.max(0, c + Math.floor(this.rand() * 101) - 50));
      tsMs.push(base - j * stepMs);
      cells.push(this.cells[c]);
    }
    return { tsMs, cells };
  }

  /** The most batches any one user got so far. */
  maxBatchesPerUser(): number {
    let max = 0;
    for (const b of this.batchesOf) if (b > max) max = b;
    return max;
  }
}

/** The request body of POST /v1/pings for one batch. */
export function pingsBody(batch: { tsMs: number[]; cells: string[] }): string {
  return `{"pings":[${batch.tsMs.map((ts, i) => `{"ts":${ts},"geohash":"${batch.cells[i]}"}`).join(',')}]}`;
}

/**
 * wrk's script for ping batches: args are the tokens file (line i = user i), method, path, cells
 * file, batch size, newest ms, step ms, thread count, requests to build ahead. Thread t of T owns
 * the users u with (u - 1) mod T = t - 1 and numbers their batches itself, so no two threads make
 * the same (user, ts). The requests built ahead (in init, before wrk's clock starts) are sent
 * first, then each further one is built when it is sent: building a 50-ping body costs wrk about
 * 35 µs, two thirds of its work per request, on the cores the measured servers share. It counts
 * the 202 answers' accepted, late and rejected and reports them with wrk's figures on one marked line.
 * The 10th arg is the start file of the barrier (bench/support/wrk-start.ts).
 */
export const WRK_PINGS_SCRIPT = `${WRK_START_LUA}
local tokens, cells, counts, headers, ahead, nextAhead = {}, {}, {}, {}, {}, 1
local method, path, size, newest, step, nthreads, nusers, ncells, mine
local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args)
  method, path = args[2], args[3]
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
  for line in io.lines(args[4]) do
    if #line > 0 then cells[#cells + 1] = ',"geohash":"' .. line .. '"}' end
  end
  size, newest, step, nthreads = tonumber(args[5]), tonumber(args[6]), tonumber(args[7]), tonumber(args[8])
  nusers, ncells = #tokens, #cells
  mine = math.floor((nusers - tid) / nthreads) + 1
  math.randomseed(os.time() * 1000 + tid * 7919)
  headers["Content-Type"] = "application/json"
  answers, accepted, late, rejected = 0, 0, 0, 0
  for i = 1, math.floor((tonumber(args[9]) or 0) / nthreads) do ahead[i] = build() end
  arrive(args[10], tid == nthreads)
end
function request()
  if not started then holdUntilStart(tid == 1) end
  if nextAhead <= #ahead then
    local r = ahead[nextAhead]
    ahead[nextAhead] = false
    nextAhead = nextAhead + 1
    return r
  end
  return build()
end
function build()
  local u = tid + (math.random(mine) - 1) * nthreads
  local k = counts[u] or 0
  counts[u] = k + 1
  local base = newest - (u * 7919) % step - k * size * step
  local c = math.random(ncells)
  local parts = {}
  for j = 0, size - 1 do
    if j > 0 and math.random() < 0.2 then
      c = c + math.random(0, 100) - 50
      if c < 1 then c = 1 elseif c > ncells then c = ncells end
    end
    -- tostring prints 14 significant digits: epoch ms (13) come out whole, faster than string.format
    parts[j + 1] = '{"ts":' .. tostring(base - j * step) .. cells[c]
  end
  headers["Authorization"] = tokens[u]
  return wrk.format(method, path, headers, '{"pings":[' .. table.concat(parts, ",") .. ']}')
end
function response(status, hdrs, body)
  if status == 202 then
    answers = answers + 1
    accepted = accepted + (tonumber(string.match(body, '"accepted":(%d+)')) or 0)
    late = late + (tonumber(string.match(body, '"late":(%d+)')) or 0)
    rejected = rejected + (tonumber(string.match(body, '"rejected":(%d+)')) or 0)
  end
end
function done(summary, latency, requests)
  local n, a, l, r = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("answers") or 0)
    a = a + (t:get("accepted") or 0)
    l = l + (t:get("late") or 0)
    r = r + (t:get("rejected") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"answers":%d,"accepted":%d,"late":%d,"rejected":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout, n, a, l, r))
end
`;
