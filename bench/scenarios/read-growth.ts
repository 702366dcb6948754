import os from 'node:os';
import path from 'node:path';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { tickLabel, writeLineChart } from '../support/line-chart.js';
import { fillCodeCache, seedPeople, writeTokensOf } from '../support/people.js';
import { seededRandom } from '../support/pings.js';
import { withClient } from '../support/postgres.js';
import {
  CONNECTIONS,
  measureInterleaved,
  MIX,
  readApi,
  readBaseline,
  type Measurement,
  type ReadSize,
} from '../support/read-load.js';
import { clearKeyPrefix, redisUsedMemory, waitForRedisPersistence } from '../support/redis.js';
import { formatGrid } from '../support/report.js';

// The read path as the read model grows: the `read` measurement with 1 M and 10 M people in Redis.

/**
 * `tokens`: the people the load asks for, a uniform random sample of everyone (drawn again for
 * each size): the load generator holds as many tokens at every size, so only the read model differs.
 */
const SIZES: Record<'quick' | 'full', ReadSize & { people: number[]; tokens: number }> = {
  quick: { people: [10_000, 100_000], tokens: 10_000, warmupSec: 2, durationSec: 5, rounds: 1 },
  full: { people: [1_000_000, 10_000_000], tokens: 1_000_000, warmupSec: 5, durationSec: 10, rounds: 3 },
};
const TAG = 'read-growth';

interface SizeResult {
  people: number;
  /** Redis used_memory added by the read model, per person. */
  bytesPerPerson: number;
  usedMemoryBytes: number;
  seedSec: number;
  fillSec: number;
  api: Measurement;
  baseline: Measurement;
}

async function measureSize(
  ctx: BenchContext,
  people: number,
  size: (typeof SIZES)['full'],
  tokensFile: string,
): Promise<SizeResult> {
  const tag = `${TAG} ${tickLabel(people)}`;
  const cores = os.availableParallelism();
  // No app runs between sizes: the bench's keys (read model and queues) all go, and the memory is measured from there.
  await clearKeyPrefix(ctx.redisUrl, ctx.keyPrefix);
  const before = await redisUsedMemory(ctx.redisUrl);
  let t0 = Date.now();
  ctx.log(`${tag}: seeding ${people} people in Postgres (${MIX.green}% green, ${MIX.yellow}% yellow, ${MIX.red}% red)`);
  await seedPeople(ctx.databaseUrl, people, MIX);
  const seedSec = (Date.now() - t0) / 1000;
  ctx.log(`${tag}: seeded in ${seedSec.toFixed(1)} s; filling the read model in Redis`);
  t0 = Date.now();
  const written = await fillCodeCache(ctx.databaseUrl, ctx.redisUrl, ctx.keyPrefix, {
    every: Math.max(10_000, Math.round(people / 10)),
    log: (n) => ctx.log(`${tag}: ${n} of ${people} codes in Redis (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  });
  if (written !== people) throw new Error(`the read model got ${written} codes, expected ${people}`);
  const fillSec = (Date.now() - t0) / 1000;
  const usedMemoryBytes = await redisUsedMemory(ctx.redisUrl);
  const bytesPerPerson = (usedMemoryBytes - before) / people;
  ctx.log(
    `${tag}: read model filled in ${fillSec.toFixed(1)} s; Redis used_memory ${(usedMemoryBytes / 2 ** 20).toFixed(0)} MiB, ${bytesPerPerson.toFixed(0)} bytes per person`,
  );
  const waited = await waitForRedisPersistence(ctx.redisUrl);
  if (waited > 1) ctx.log(`${tag}: waited ${waited.toFixed(0)} s for Redis to finish rewriting its append-only file`);
  const rand = seededRandom(people);
  await writeTokensOf(tokensFile, ctx.jwtSecret, size.tokens, () => 1 + Math.floor(rand() * people));
  ctx.log(
    `${tag}: ${ctx.load.describe(CONNECTIONS)} over ${size.tokens} people drawn at random, warm-up ${size.warmupSec} s, then ${size.rounds} interleaved round(s) of ${size.durationSec} s per target (medians)`,
  );
  const [api, baseline] = await measureInterleaved(
    ctx,
    [readApi(ctx), readBaseline(ctx, cores)],
    tokensFile,
    size,
    tag,
  );
  return { people, bytesPerPerson, usedMemoryBytes, seedSec, fillSec, api, baseline };
}

export const readGrowth: Scenario = {
  name: TAG,
  description:
    'GET /v1/codes/me (the read measurement) with 1M and 10M people in the read model (--quick: 10k, 100k), and Redis memory per person',
  onDemand: true,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? SIZES.quick : SIZES.full;
    const tokensFile = path.join(ctx.workDir, 'read-growth-tokens.txt');
    const results: SizeResult[] = [];
    try {
      for (const people of size.people) results.push(await measureSize(ctx, people, size, tokensFile));
    } finally {
      await clearKeyPrefix(ctx.redisUrl, ctx.keyPrefix);
      await withClient(ctx.databaseUrl, (c) => c.query('TRUNCATE users, health_codes, code_history CASCADE'));
    }
    const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
    console.log(
      `\n${formatGrid(
        `read-growth: GET /v1/codes/me, medians of ${size.rounds} round(s) of ${size.durationSec} s`,
        ['people', 'api reads/s', 'api p99 ms', 'baseline reads/s', 'api/baseline', 'Redis MiB', 'bytes/person'],
        results.map((r) => [
          f(r.people),
          f(r.api.requestsPerSec),
          r.api.p99Ms.toFixed(2),
          f(r.baseline.requestsPerSec),
          (r.api.requestsPerSec / r.baseline.requestsPerSec).toFixed(2),
          f(r.usedMemoryBytes / 2 ** 20),
          f(r.bytesPerPerson),
        ]),
      )}\n`,
    );
    const subtitle = `${ctx.quick ? 'quick-size smoke run, ' : ''}${new Date().toISOString().slice(0, 16)}Z; ${size.tokens} people asked for, at random`;
    const files = [
      writeLineChart(ctx.resultsDir, 'read-growth.svg', {
        title: 'Reads per second as the read model grows',
        subtitle,
        x: { label: 'people in the read model', log: true },
        y: { label: 'reads/s' },
        series: [
          { name: 'api (GET /v1/codes/me)', points: results.map((r) => [r.people, r.api.requestsPerSec]) },
          {
            name: 'baseline (node:http + Redis GET, per core)',
            points: results.map((r) => [r.people, r.baseline.requestsPerSec]),
            dashed: true,
          },
        ],
      }),
      writeLineChart(ctx.resultsDir, 'read-growth-memory.svg', {
        title: 'Redis memory per person in the read model',
        subtitle,
        x: { label: 'people in the read model', log: true },
        y: { label: 'bytes per person (used_memory)' },
        series: [{ name: 'read model', points: results.map((r) => [r.people, r.bytesPerPerson]) }],
      }),
    ];
    ctx.log(`${TAG}: charts written: ${files.join(', ')}`);
    ctx.detail('tokens', size.tokens);
    ctx.detail('sizes', results);
    ctx.detail('charts', files);

    const [small, large] = [results[0], results[results.length - 1]];
    const [s, l] = [tickLabel(small.people), tickLabel(large.people)];
    const base = { scenario: TAG };
    const errors = results.reduce((n, r) => n + r.api.non2xx + r.api.socketErrors, 0);
    return [
      row({
        ...base,
        metric: `reads/s, ${l} vs ${s}`,
        unit: 'req/s',
        value: large.api.requestsPerSec,
        baseline: small.api.requestsPerSec,
        baselineLabel: `the same run's api reads/s with ${s} people in the read model`,
        note: 'target: at least 0.9',
      }),
      ...results.map((r) =>
        row({
          ...base,
          metric: `reads/s at ${tickLabel(r.people)} people`,
          unit: 'req/s',
          value: r.api.requestsPerSec,
          baseline: r.baseline.requestsPerSec,
          baselineLabel: 'node:http + ioredis, 1 process per core, same read model',
        }),
      ),
      row({
        ...base,
        metric: `p99 latency, ${l} vs ${s}`,
        unit: 'ms',
        value: large.api.p99Ms,
        baseline: small.api.p99Ms,
        baselineLabel: `the same run's api p99 with ${s} people`,
      }),
      row({
        ...base,
        metric: `Redis bytes per person, ${l} vs ${s}`,
        unit: 'bytes',
        value: large.bytesPerPerson,
        baseline: small.bytesPerPerson,
        baselineLabel: `used_memory added per person with ${s} people`,
      }),
      {
        ...base,
        metric: 'read errors (non-2xx + socket)',
        unit: 'count',
        value: errors,
        baseline: null,
        baselineLabel: null,
        ratio: null,
        ...(errors ? { note: 'the api answered errors: its numbers are not comparable' } : {}),
      },
    ];
  },
};
