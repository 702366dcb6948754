import os from 'node:os';
import { productionAppEnv, type BenchContext } from '../scenario.js';
import { withCpuUsage, type CpuUsage } from './cpu.js';
import type { LoadResult } from './load-generator.js';
import { seededColor, userToken, type ColorMix } from './people.js';
import type { RunningProcess } from './processes.js';
import { localRedisPid } from './redis.js';
import { median } from './stats.js';

// The read path's measurement, shared by the `read` and `read-growth` scenarios: GET
// /v1/codes/me from the api against a bare node:http + Redis GET baseline, in interleaved rounds.

export interface ReadSize {
  warmupSec: number;
  durationSec: number;
  rounds: number;
}

export const CONNECTIONS = 64;
export const MIX: ColorMix = { green: 90, yellow: 8, red: 2 };

export interface Target {
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

export interface Measurement extends LoadResult {
  cpu: CpuUsage;
  /** CPU time the server (all its processes) spent per answered request, in microseconds. */
  serverCpuUsPerRequest: number | null;
}

export const pct = (x: number | null | undefined) => (x == null ? '?' : `${Math.round(x * 100)}%`);

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
export async function measureInterleaved(
  ctx: BenchContext,
  targets: Target[],
  tokensFile: string,
  size: ReadSize,
  tag: string,
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
      ctx.log(`${tag}: round ${r + 1} of ${size.rounds}`);
      for (const [i, t] of targets.entries())
        rounds[i].push(await measureOnce(ctx, t, procs[i], tokensFile, size.durationSec));
    }
    return rounds.map(combine);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** The bare baseline: node:http + ioredis GET in `workers` processes (bench/baseline/read-baseline-server.ts). */
export function readBaseline(ctx: BenchContext, workers: number): Target {
  return {
    label: `baseline, ${workers} process${workers > 1 ? 'es' : ''}`,
    start: () =>
      ctx.processes.start({
        name: `read-baseline-${workers}`,
        script: 'dist/bench/baseline/read-baseline-server.js',
        env: { REDIS_URL: ctx.redisUrl, HC_KEY_PREFIX: ctx.keyPrefix, BASELINE_WORKERS: String(workers) },
        portVar: 'PORT',
        readyPath: '/health/ready',
      }),
  };
}

/** The api app, one process per core (HC_HTTP_WORKERS), as deployed. */
export function readApi(ctx: BenchContext): Target {
  const cores = os.availableParallelism();
  return {
    label: `api, ${cores} process${cores > 1 ? 'es' : ''} (HC_HTTP_WORKERS)`,
    start: () =>
      // Production runs at `info`; /v1/codes/me writes no access log line at any level.
      ctx.processes.startApp('api', productionAppEnv(ctx, { HC_HTTP_WORKERS: String(cores) })),
  };
}
