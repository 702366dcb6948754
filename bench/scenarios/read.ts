import os from 'node:os';
import path from 'node:path';
import { row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import type { LoadResult } from '../support/load-generator.js';
import { fillCodeCache, seedPeople, writeUserTokens } from '../support/people.js';
import {
  CONNECTIONS,
  measureInterleaved,
  MIX,
  pct,
  readApi,
  readBaseline,
  type Measurement,
  type ReadSize,
} from '../support/read-load.js';

const SIZES: Record<'quick' | 'full', ReadSize & { people: number }> = {
  quick: { people: 10_000, warmupSec: 2, durationSec: 5, rounds: 1 },
  full: { people: 1_000_000, warmupSec: 5, durationSec: 10, rounds: 3 },
};

export const read: Scenario = {
  name: 'read',
  description: `GET /v1/codes/me from the api process (${CONNECTIONS} connections, random people) against a bare node:http + Redis GET baseline`,

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? SIZES.quick : SIZES.full;
    const cores = os.availableParallelism();
    const step = async (what: string, fn: () => Promise<unknown>) => {
      const t0 = Date.now();
      await fn();
      ctx.log(`read: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    };
    await step(
      `seeded ${size.people} people in Postgres (${MIX.green}% green, ${MIX.yellow}% yellow, ${MIX.red}% red)`,
      () => seedPeople(ctx.databaseUrl, size.people, MIX),
    );
    await step('filled the code read model in Redis', async () => {
      const written = await fillCodeCache(ctx.databaseUrl, ctx.redisUrl, ctx.keyPrefix);
      if (written !== size.people) throw new Error(`the read model got ${written} codes, expected ${size.people}`);
    });
    const tokensFile = path.join(ctx.workDir, 'read-tokens.txt');
    await step('minted their user tokens', () => writeUserTokens(tokensFile, ctx.jwtSecret, size.people));

    const baseline = (workers: number) => readBaseline(ctx, workers);
    const api = readApi(ctx);

    ctx.log(
      `read: ${ctx.load.describe(CONNECTIONS)}, warm-up ${size.warmupSec} s, then ${size.rounds} interleaved round(s) of ${size.durationSec} s per target (medians)`,
    );
    const [apiResult, oneResult, perCoreResult] = (await measureInterleaved(
      ctx,
      [api, baseline(1), baseline(cores)],
      tokensFile,
      size,
      'read',
    )) as [Measurement, Measurement, Measurement];

    const perCore = `node:http + ioredis, ${cores} processes (1 per core)`;
    const one = 'node:http + ioredis, 1 process';
    ctx.detail('people', size.people);
    ctx.detail('colorMix', MIX);
    ctx.detail('connections', CONNECTIONS);
    ctx.detail('warmupSec', size.warmupSec);
    ctx.detail('durationSec', size.durationSec);
    ctx.detail('rounds', size.rounds);
    ctx.detail('loadGenerator', ctx.load.describe(CONNECTIONS));
    ctx.detail('baselineUserId', 'decoded from the bearer token payload (sub), signature not checked');
    ctx.detail('results', { api: apiResult, baseline1Process: oneResult, baselinePerCore: perCoreResult });

    const errors = (r: LoadResult) => r.non2xx + r.socketErrors;
    const base = { scenario: 'read' };
    const saturated = (perCoreResult.cpu.machineBusy ?? 0) > 0.85;
    const cpuRows: BenchRow[] =
      apiResult.serverCpuUsPerRequest !== null &&
      perCoreResult.serverCpuUsPerRequest !== null &&
      oneResult.serverCpuUsPerRequest !== null
        ? [
            row({
              ...base,
              metric: 'api cpu per request',
              unit: 'µs',
              value: apiResult.serverCpuUsPerRequest,
              baseline: perCoreResult.serverCpuUsPerRequest,
              baselineLabel: perCore,
            }),
            row({
              ...base,
              metric: 'api cpu per request (vs 1-process baseline)',
              unit: 'µs',
              value: apiResult.serverCpuUsPerRequest,
              baseline: oneResult.serverCpuUsPerRequest,
              baselineLabel: one,
            }),
          ]
        : [];
    return [
      {
        ...row({
          ...base,
          metric: 'api req/s',
          unit: 'req/s',
          value: apiResult.requestsPerSec,
          baseline: perCoreResult.requestsPerSec,
          baselineLabel: perCore,
        }),
        ...(saturated
          ? {
              note: `all ${cores} cores were ${pct(perCoreResult.cpu.machineBusy)} busy during the per-core baseline (shared with the load generator and Redis): it is CPU-bound here, compare cpu per request too`,
            }
          : {}),
      },
      row({
        ...base,
        metric: 'api p50 latency',
        unit: 'ms',
        value: apiResult.p50Ms,
        baseline: perCoreResult.p50Ms,
        baselineLabel: perCore,
      }),
      row({
        ...base,
        metric: 'api p99 latency',
        unit: 'ms',
        value: apiResult.p99Ms,
        baseline: perCoreResult.p99Ms,
        baselineLabel: perCore,
      }),
      row({
        ...base,
        metric: 'api req/s (vs 1-process baseline)',
        unit: 'req/s',
        value: apiResult.requestsPerSec,
        baseline: oneResult.requestsPerSec,
        baselineLabel: one,
      }),
      row({
        ...base,
        metric: 'api p50 latency (vs 1-process baseline)',
        unit: 'ms',
        value: apiResult.p50Ms,
        baseline: oneResult.p50Ms,
        baselineLabel: one,
      }),
      row({
        ...base,
        metric: 'api p99 latency (vs 1-process baseline)',
        unit: 'ms',
        value: apiResult.p99Ms,
        baseline: oneResult.p99Ms,
        baselineLabel: one,
      }),
      ...cpuRows,
      {
        ...base,
        metric: 'api errors (non-2xx + socket)',
        unit: 'count',
        value: errors(apiResult),
        baseline: errors(perCoreResult),
        baselineLabel: perCore,
        ratio: null,
        ...(errors(apiResult) ? { note: 'the api answered errors: its numbers are not comparable' } : {}),
      },
    ];
  },
};
