import os from 'node:os';
import path from 'node:path';
import { productionAppEnv, row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { withCpuUsage, type CpuUsage } from '../support/cpu.js';
import type { LoadResult } from '../support/load-generator.js';
import {
  fillCodeCache,
  seedPeople,
  seededColor,
  userToken,
  writeUserTokens,
  type ColorMix,
} from '../support/people.js';
import type { RunningProcess } from '../support/processes.js';
import { localRedisPid } from '../support/redis.js';
import { median } from '../support/stats.js';

const SIZES = {
  quick: { people: 10_000, warmupSec: 2, durationSec: 5, rounds: 1 },
  full: { people: 1_000_000, warmupSec: 5, durationSec: 10, rounds: 3 },
};
const CONNECTIONS = 64;
const MIX: ColorMix = { green: 90, yellow: 8, red: 2 };

interface Target {
  label: string;
  start: () => Promise<RunningProcess>;
}

/** One person of each colour answers as seeded: the load below measures real answers, not 401s. */
async function checkAnswers(url: string, secret: string): Promise<void> {
  for (const color of ['green', 'yellow', 'red'] as const) {
    let id = 1;
    while (seededColor(id, MIX) !== color) id++;
    const res = await fetch(`${url}/v1/codes/me`, { headers: { authorization: `Bearer ${userToken(secret, id)}` } });
    const body = (await res.json()) as { userId?: string; color?: string; expiresAt?: string | null };
    if (
      res.status !== 200 ||
      body.userId !== String(id) ||
      body.color !== color ||
      (color === 'yellow') !== Boolean(body.expiresAt)
    ) {
      throw new Error(
        `${url}: GET /v1/codes/me for person ${id} (${color}) answered ${res.status} ${JSON.stringify(body)}`,
      );
    }
  }
}

interface Measurement extends LoadResult {
  cpu: CpuUsage;
  /** CPU time the server (all its processes) spent per answered request, in microseconds. */
  serverCpuUsPerRequest: number | null;
}

const pct = (x: number | null | undefined) => (x == null ? '?' : `${Math.round(x * 100)}%`);

/** One timed load against a running target, with the CPU its processes used. */
async function measureOnce(
  ctx: BenchContext,
  target: Target,
  proc: RunningProcess,
  tokensFile: string,
  durationSec: number,
): Promise<Measurement> {
  const spec = { url: proc.url, method: 'GET' as const, path: '/v1/codes/me', tokensFile, connections: CONNECTIONS };
  const pids = { server: proc.process.pid!, redis: await localRedisPid(ctx.redisUrl) };
  const { result, cpu } = await withCpuUsage(pids, (onStart) => ctx.load.run({ ...spec, durationSec, onStart }));
  const serverCpu = cpu.cpuSec.server;
  const m: Measurement = {
    ...result,
    cpu,
    serverCpuUsPerRequest: serverCpu == null || !result.requests ? null : (serverCpu * 1e6) / result.requests,
  };
  const errors = result.non2xx + result.socketErrors;
  ctx.log(
    `  ${target.label}: ${Math.round(result.requestsPerSec)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
      (errors ? `, ${errors} errors (${result.non2xx} non-2xx)` : '') +
      `; cpu: machine ${pct(cpu.machineBusy)} busy, server ${pct(cpu.cores.server)}, redis ${pct(cpu.cores.redis)}, load generator ${pct(cpu.cores.loadGenerator)} (of one core)`,
  );
  return m;
}

/** The median of each figure over the rounds (errors add up). */
function combine(rounds: Measurement[]): Measurement {
  const med = (f: (m: Measurement) => number) => median(rounds.map(f));
  const cpus = rounds.map((r) => r.serverCpuUsPerRequest).filter((x): x is number => x !== null);
  return {
    ...rounds[0],
    requests: rounds.reduce((a, r) => a + r.requests, 0),
    requestsPerSec: med((r) => r.requestsPerSec),
    p50Ms: med((r) => r.p50Ms),
    p90Ms: med((r) => r.p90Ms),
    p99Ms: med((r) => r.p99Ms),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    socketErrors: rounds.reduce((a, r) => a + r.socketErrors, 0),
    cpu: { ...rounds[0].cpu, machineBusy: med((r) => r.cpu.machineBusy ?? 0) },
    serverCpuUsPerRequest: cpus.length ? median(cpus) : null,
  };
}

/**
 * Runs every target for the same rounds, interleaved (api, baselines, api, baselines, ...), and
 * keeps the median of each figure: a machine that is busier for a while then weighs on every
 * target alike instead of on whichever ran at that moment.
 */
async function measureInterleaved(
  ctx: BenchContext,
  targets: Target[],
  tokensFile: string,
  size: (typeof SIZES)['quick'],
): Promise<Measurement[]> {
  const procs: RunningProcess[] = [];
  try {
    for (const t of targets) procs.push(await t.start());
    for (const [i, p] of procs.entries()) {
      await checkAnswers(p.url, ctx.jwtSecret);
      await ctx.load.run({
        url: p.url,
        method: 'GET',
        path: '/v1/codes/me',
        tokensFile,
        connections: CONNECTIONS,
        durationSec: size.warmupSec,
      });
      ctx.log(`  ${targets[i].label}: warmed up`);
    }
    const rounds: Measurement[][] = targets.map(() => []);
    for (let r = 0; r < size.rounds; r++) {
      ctx.log(`read: round ${r + 1} of ${size.rounds}`);
      for (const [i, t] of targets.entries())
        rounds[i].push(await measureOnce(ctx, t, procs[i], tokensFile, size.durationSec));
    }
    return rounds.map(combine);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

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

    const baselineScript = 'dist/bench/baseline/read-baseline-server.js';
    const baseline = (workers: number): Target => ({
      label: `baseline, ${workers} process${workers > 1 ? 'es' : ''}`,
      start: () =>
        ctx.processes.start({
          name: `read-baseline-${workers}`,
          script: baselineScript,
          env: { REDIS_URL: ctx.redisUrl, HC_KEY_PREFIX: ctx.keyPrefix, BASELINE_WORKERS: String(workers) },
          portVar: 'PORT',
          readyPath: '/health/ready',
        }),
    });
    const api: Target = {
      label: `api, ${cores} process${cores > 1 ? 'es' : ''} (HC_HTTP_WORKERS)`,
      start: () =>
        // Production runs at `info`; /v1/codes/me writes no access log line at any level.
        ctx.processes.startApp('api', productionAppEnv(ctx, { HC_HTTP_WORKERS: String(cores) })),
    };

    ctx.log(
      `read: ${ctx.load.describe(CONNECTIONS)}, warm-up ${size.warmupSec} s, then ${size.rounds} interleaved round(s) of ${size.durationSec} s per target (medians)`,
    );
    const [apiResult, oneResult, perCoreResult] = (await measureInterleaved(
      ctx,
      [api, baseline(1), baseline(cores)],
      tokensFile,
      size,
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
