import { Queue } from 'bullmq';
import { queueConnectionOptions } from '#libs/cache/index.js';
import { TRACING_QUEUE, queuePrefix } from '#libs/queue/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startApp, type AppName, type RunningApp } from './apps.js';
import { redisUrl, testKeyPrefix } from './redis.js';

/**
 * Short windows so a test sees windows close and get traced within seconds (docs/configuration.md).
 */
export const FAST_GRID_ENV = {
  HC_WINDOW_SECONDS: '60',
  HC_SLOT_SECONDS: '10',
  HC_GRACE_SECONDS: '5',
  HC_EXPOSURE_AUTO_SECONDS: '30',
  HC_EXPOSURE_REVIEW_SECONDS: '20',
};

export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password-1' };

export interface TestSystem {
  db: TestDatabase;
  env: Record<string, string>;
  apps: Partial<Record<AppName, RunningApp>>;
  url: (app: AppName) => string;
  /** Where the app's Prometheus port answers (`${metricsUrl(app)}/metrics`). */
  metricsUrl: (app: AppName) => string;
  /**
   * Starts one more app with the system's environment plus `env`; a second process of an app
   * already running (e.g. another batch worker) runs beside it and `apps` names the newest.
   */
  startApp: (name: AppName, env?: Record<string, string>) => Promise<RunningApp>;
  stop: () => Promise<void>;
}

/**
 * The real apps as processes, on their own database and Redis key prefix. `opts.db`: a database
 * the test made elsewhere (e.g. on a Postgres server of its own) instead of a fresh copy of the template.
 */
export async function startSystem(
  label: string,
  names: AppName[],
  extra: Record<string, string> | ((db: TestDatabase) => Record<string, string>) = {},
  opts: { db?: TestDatabase } = {},
): Promise<TestSystem> {
  const db = opts.db ?? (await createTestDatabase(label));
  const extraEnv = typeof extra === 'function' ? extra(db) : extra;
  const env: Record<string, string> = {
    DATABASE_URL: db.appUrl,
    REDIS_URL: redisUrl(),
    HC_KEY_PREFIX: testKeyPrefix(label),
    HC_ADMIN_USERNAME: TEST_ADMIN.username,
    HC_ADMIN_PASSWORD: TEST_ADMIN.password,
    HC_JWT_SECRET: process.env.HC_JWT_SECRET ?? 'a-test-secret-of-at-least-32-characters!!',
    // Every test registers from 127.0.0.1; the rate-limit test sets its own low limit.
    HC_REGISTRATIONS_PER_MINUTE: '100000',
    HC_PING_BATCHES_PER_MINUTE: '100000',
    // Load tests send many pings a slot per phone; the per-slot cap has its own test.
    HC_MAX_PINGS_PER_SLOT: '100000',
    ...FAST_GRID_ENV,
    // Test cities are small: let them still be cut into many shards.
    HC_TRACE_MIN_SHARD_PINGS: '1',
    ...extraEnv,
  };
  const apps: TestSystem['apps'] = {};
  const running = (name: AppName): RunningApp => {
    const app = apps[name];
    if (!app) throw new Error(`${name} is not running in this test system`);
    return app;
  };
  const started: RunningApp[] = [];
  const instances = new Map<AppName, number>();
  const start = async (name: AppName, appEnv: Record<string, string>) => {
    // Counted when asked (two started at once get their own logs), not when ready.
    const instance = (instances.get(name) ?? 0) + 1;
    instances.set(name, instance);
    const app = await startApp(name, appEnv, undefined, instance);
    started.push(app);
    return (apps[name] = app);
  };
  try {
    for (const name of names) await start(name, env);
  } catch (err) {
    await Promise.all(started.map((a) => a.stop()));
    await db.drop();
    throw err;
  }
  return {
    db,
    env,
    apps,
    url: (name) => running(name).url,
    metricsUrl: (name) => running(name).metricsUrl,
    startApp: (name, more = {}) => start(name, { ...env, ...more }),
    stop: async () => {
      await Promise.all(started.map((a) => a.stop()));
      await db.drop();
    },
  };
}

/** The system's tracing queue as its apps see it (Redis, key prefix), for a test to add or inspect jobs; close it after. */
export function tracingQueue(sys: Pick<TestSystem, 'env'>): Queue {
  return new Queue(TRACING_QUEUE, {
    connection: queueConnectionOptions(sys.env.REDIS_URL),
    prefix: queuePrefix(sys.env.HC_KEY_PREFIX),
  });
}
