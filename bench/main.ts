// The benchmark runner behind `npm run bench` (scripts/bench.mjs prepares the services, then
// calls this). It runs the chosen scenarios, prints one table and writes bench/results/.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext, BenchRow, Scenario } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { chooseLoadGenerator, type LoadGenerator } from './support/load-generator.js';
import { ProcessStarter } from './support/processes.js';
import { clearKeyPrefix } from './support/redis.js';
import { formatTable, machineInfo, writeResults, type BenchResults } from './support/report.js';

/** Every app the bench starts uses this Redis key prefix, never the one of `npm start` or tests. */
export const BENCH_KEY_PREFIX = 'bench';

export interface BenchOptions {
  quick: boolean;
  /** The largest sizes, where a scenario has them (batch: 10 million pings). */
  full: boolean;
  scenarios: string[];
  loader: 'wrk' | 'autocannon' | null;
  /** `--soak MINUTES`: run the soak scenario for that long. */
  soakMinutes: number | null;
}

export function parseOptions(argv: string[]): BenchOptions & { list: boolean } {
  const opts: BenchOptions & { list: boolean } = {
    quick: false,
    full: false,
    scenarios: [],
    loader: null,
    soakMinutes: null,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v) throw new Error(`${flag} needs a value (see npm run bench -- --help)`);
      return v;
    };
    if (flag === '--quick') opts.quick = true;
    else if (flag === '--full') opts.full = true;
    else if (flag === '--list') opts.list = true;
    else if (flag === '--scenario') opts.scenarios.push(...value().split(',').filter(Boolean));
    else if (flag === '--soak') {
      const v = value();
      const minutes = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || !(minutes > 0))
        throw new Error(`--soak needs a number of minutes above 0, got "${v}"`);
      opts.soakMinutes = minutes;
      if (!opts.scenarios.includes('soak')) opts.scenarios.push('soak');
    } else if (flag === '--loader') {
      const v = value();
      if (v !== 'wrk' && v !== 'autocannon')
        throw new Error(`--loader must be wrk or autocannon (see npm run bench -- --help)`);
      opts.loader = v;
    } else throw new Error(`unknown option ${arg} (see npm run bench -- --help)`);
  }
  const known = new Set(SCENARIOS.map((s) => s.name));
  const unknown = opts.scenarios.filter((n) => !known.has(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  return opts;
}

export function listScenarios(): string {
  return SCENARIOS.map(
    (s) => `${s.name.padEnd(14)} ${s.description}${s.onDemand ? ' (only when asked for)' : ''}`,
  ).join('\n');
}

export interface BenchEnvironment {
  root: string;
  /** The bench database as its owner (seeding, clearing) ... */
  databaseUrl: string;
  /** ... and as the apps' own login. */
  appDatabaseUrl: string;
  redisUrl: string;
  log: (msg: string) => void;
}

/** One run; `abort()` (on a signal) stops every process it started. */
export class BenchRun {
  private readonly processes: ProcessStarter;
  private readonly resultsDir: string;
  private load: LoadGenerator | null = null;
  private workDir: string | null = null;
  private aborted = false;

  constructor(
    private readonly opts: BenchOptions,
    private readonly env: BenchEnvironment,
  ) {
    this.resultsDir = path.join(env.root, 'bench', 'results');
    this.processes = new ProcessStarter(env.root, path.join(this.resultsDir, 'logs'));
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.load?.abort();
    await this.processes.close();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    await clearKeyPrefix(this.env.redisUrl, BENCH_KEY_PREFIX).catch(() => undefined);
  }

  /** Returns the exit code: 1 when a scenario failed. */
  async run(): Promise<number> {
    const { env, opts } = this;
    // The scenarios replace everyone in this database: never let them near a real one.
    const dbName = decodeURIComponent(new URL(env.databaseUrl).pathname.slice(1));
    if (!dbName.includes('bench'))
      throw new Error(`refusing to run the bench on database "${dbName}": its name lacks "bench"`);
    const started = Date.now();
    const scenarios: Scenario[] = opts.scenarios.length
      ? SCENARIOS.filter((s) => opts.scenarios.includes(s.name))
      : SCENARIOS.filter((s) => !s.onDemand);
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'hc-bench-'));
    this.workDir = workDir;
    const rows: BenchRow[] = [];
    const details: BenchResults['details'] = {};
    const failures: BenchResults['failures'] = [];
    try {
      const stale = await clearKeyPrefix(env.redisUrl, BENCH_KEY_PREFIX);
      if (stale) env.log(`removed ${stale} Redis keys left by an earlier bench run`);
      const load = chooseLoadGenerator({ prefer: opts.loader, workDir, root: env.root, log: env.log });
      this.load = load;
      env.log(`load generator: ${load.name} ${load.version}`);
      for (const scenario of scenarios) {
        if (this.aborted) break;
        const scenarioDetails: Record<string, unknown> = {};
        details[scenario.name] = scenarioDetails;
        const ctx: BenchContext = {
          quick: opts.quick,
          full: opts.full,
          soakMinutes: opts.soakMinutes,
          databaseUrl: env.databaseUrl,
          appDatabaseUrl: env.appDatabaseUrl,
          redisUrl: env.redisUrl,
          keyPrefix: BENCH_KEY_PREFIX,
          jwtSecret: randomBytes(32).toString('hex'),
          workDir,
          resultsDir: this.resultsDir,
          load,
          processes: this.processes,
          log: env.log,
          detail: (key, value) => (scenarioDetails[key] = value),
          fail: (message) => {
            env.log(`scenario ${scenario.name}: ${message}`);
            failures.push({ scenario: scenario.name, error: message });
          },
        };
        const t0 = Date.now();
        env.log(`scenario ${scenario.name}: ${scenario.description}`);
        try {
          rows.push(...(await scenario.run(ctx)));
        } catch (err) {
          if (this.aborted) break;
          env.log(`scenario ${scenario.name} failed: ${(err as Error).stack ?? err}`);
          failures.push({ scenario: scenario.name, error: (err as Error).message });
        } finally {
          await this.processes.stopAll();
          scenarioDetails.elapsedSec = (Date.now() - t0) / 1000;
        }
      }
      // An interrupted run leaves the previous results in place.
      if (this.aborted) return 130;
      const results: BenchResults = {
        timestamp: new Date(started).toISOString(),
        durationSec: (Date.now() - started) / 1000,
        machine: machineInfo(),
        options: {
          quick: opts.quick,
          full: opts.full,
          soakMinutes: opts.soakMinutes,
          scenarios: scenarios.map((s) => s.name),
          loader: load.name,
        },
        loadGenerator: `${load.name} ${load.version}`,
        rows,
        details,
        failures,
      };
      const file = writeResults(this.resultsDir, results);
      const m = results.machine;
      console.log(
        `\nbench ${opts.quick ? '(quick) ' : ''}on ${m.cpus} cpus (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${m.node}; load generator: ${load.name} ${load.version}`,
      );
      console.log(formatTable(rows));
      for (const f of failures) console.log(`FAILED ${f.scenario}: ${f.error}`);
      env.log(
        `results written to ${path.relative(env.root, file)} (app logs in ${path.relative(env.root, path.join(this.resultsDir, 'logs'))}/)`,
      );
      return failures.length ? 1 : 0;
    } finally {
      await this.processes.stopAll();
      await clearKeyPrefix(env.redisUrl, BENCH_KEY_PREFIX).catch((err: Error) =>
        env.log(`could not clear the bench Redis keys: ${err.message}`),
      );
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}
