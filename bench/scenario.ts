import { randomBytes } from 'node:crypto';
import type { LoadGenerator } from './support/load-generator.js';
import type { ProcessStarter } from './support/processes.js';

/** What every scenario gets from the runner: the services, the options and the shared tools. */
export interface BenchContext {
  /** Small sizes for a smoke check (`--quick`); the full sizes otherwise. */
  quick: boolean;
  /** The largest sizes, where a scenario has them (`--full`). */
  full: boolean;
  /** `--soak MINUTES`: how long the soak scenario runs (null: not given). */
  soakMinutes: number | null;
  /** The bench's own database (never the one of `npm start` or of the tests), migrated, as its owner. */
  databaseUrl: string;
  /** The same database as the apps' own login (what the apps the bench starts log in with). */
  appDatabaseUrl: string;
  redisUrl: string;
  /** HC_KEY_PREFIX of every app the bench starts; the runner clears its keys before and after. */
  keyPrefix: string;
  /** HC_JWT_SECRET of every app the bench starts (fresh for each run). */
  jwtSecret: string;
  /** A scratch folder for this run (token files, scripts), removed at the end. */
  workDir: string;
  /** bench/results/: where charts are written beside latest.json. */
  resultsDir: string;
  /** The HTTP load generator chosen for this run (wrk, else autocannon). */
  load: LoadGenerator;
  /** Starts built apps and helper servers as processes; the runner stops whatever is left. */
  processes: ProcessStarter;
  log: (msg: string) => void;
  /** Keeps a detail of the run (sizes, raw measurements) under the scenario in latest.json. */
  detail: (key: string, value: unknown) => void;
  /** Records a failed check: the scenario's rows are still reported, but the run exits 1 and lists it. */
  fail: (message: string) => void;
}

/**
 * One line of the results. `baseline` is measured in the same run on the same machine, so the
 * ratio (value / baseline) survives a change of machine better than the raw value does.
 */
export interface BenchRow {
  scenario: string;
  metric: string;
  unit: string;
  value: number;
  baseline: number | null;
  /** What the baseline is, in a few words (shown under the table and kept in the JSON). */
  baselineLabel: string | null;
  ratio: number | null;
  note?: string;
}

/** A benchmark scenario: a module in bench/scenarios/, listed in bench/scenarios/index.ts. */
export interface Scenario {
  name: string;
  description: string;
  /** Runs only when asked for by name (or by its own option, as `--soak`), never in a plain `npm run bench`. */
  onDemand?: boolean;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** A row with its ratio computed (null when there is no baseline or it is zero). */
export function row(r: Omit<BenchRow, 'ratio'>): BenchRow {
  const ratio = r.baseline === null || r.baseline === 0 ? null : r.value / r.baseline;
  return { ...r, ratio };
}

/** The environment an app runs with in a scenario: as in production, on the bench's own data. */
export function productionAppEnv(ctx: BenchContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: ctx.appDatabaseUrl,
    REDIS_URL: ctx.redisUrl,
    HC_JWT_SECRET: ctx.jwtSecret,
    HC_KEY_PREFIX: ctx.keyPrefix,
    HC_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...extra,
  };
}
