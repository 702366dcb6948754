import { Redis } from 'ioredis';
import { rebuildStateKey } from '#libs/cache/index.js';
import { call, eventually, metricIn } from '../support/http.js';
import { TestRedisServer } from '../support/redis-server.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';
import { userTokenSigner } from '../support/user-tokens.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const SEEDED = 20_000;

/**
 * The safety invariant (docs/domain.md, Health codes): the API never shows green for a person
 * whose code in Postgres is not green, whatever happens to Redis; a miss falls through to
 * Postgres; both down is a 503. The cache Redis here is the test's own (flushed and restarted at
 * will); Postgres is reached through a proxy the test can cut.
 */
describe('read path when Redis or Postgres fail', () => {
  let sys: TestSystem;
  let cacheRedis: TestRedisServer;
  let pgProxy: TcpProxy;
  let person: { userId: string; token: string };
  let adminToken: string;
  let sign: (userId: string) => string;

  const api = () => sys.url('api');
  const readCode = (token: string) => call('GET', `${api()}/v1/codes/me`, { token });

  beforeAll(async () => {
    cacheRedis = await TestRedisServer.start();
    sys = await startSystem('resilience', ['batch'], {
      CACHE_REDIS_URL: cacheRedis.url,
      HC_CACHE_REBUILD_PER_SECOND: '4000',
    });
    const db = new URL(sys.db.url);
    pgProxy = await TcpProxy.start({ host: db.hostname, port: Number(db.port) });
    // The api reaches Postgres through the proxy, so the test can take Postgres away from it alone.
    await sys.startApp('api', { DATABASE_URL: TcpProxy.via(sys.db.appUrl, pgProxy) });
    sign = userTokenSigner(sys);

    person = (await call('POST', `${api()}/v1/users`, { body: {} })).body;
    adminToken = (await call('POST', `${api()}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token;
    const set = await call('PUT', `${api()}/v1/admin/users/${person.userId}/code`, {
      token: adminToken,
      body: { color: 'yellow', reason: 'contact of a case' },
    });
    expect(set.status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    await pgProxy?.close();
    await cacheRedis?.stop();
  });

  it('reads yellow from the cache, and again after FLUSHALL (through Postgres)', async () => {
    expect((await readCode(person.token)).body.color).toBe('yellow');
    await cacheRedis.flushAll();
    const after = await readCode(person.token);
    expect(after.status).toBe(200);
    expect(after.body.color).toBe('yellow');
  });

  it('exports each Redis server’s maxmemory-policy by role (the test’s cache Redis runs the default, noeviction)', async () => {
    const line = (text: string, role: string) =>
      text.split('\n').find((l) => l.startsWith('hc_redis_maxmemory_policy{') && l.includes(`role="${role}"`));
    const text = await eventually(
      async () => (await call('GET', `${sys.metricsUrl('batch')}/metrics`)).body as string,
      (t) => !!line(t, 'queue') && !!line(t, 'cache'),
      10_000,
      'both Redis servers in the batch app’s metrics',
    );
    expect(line(text, 'queue')).toMatch(/policy="noeviction".* 1$/);
    expect(line(text, 'cache')).toMatch(/policy="noeviction".* 1$/);
  });

  it('never reads green during a rebuild of the whole cache, which then completes', async () => {
    // Many people, every tenth yellow, so the rebuild takes a few seconds at the test's pace.
    const [{ first }] = await sys.db.query<{ first: string }>(`
      WITH u AS (INSERT INTO users SELECT FROM generate_series(1, ${SEEDED}) RETURNING id)
      , c AS (INSERT INTO health_codes (user_id, color, reason, version, updated_at, expires_at)
              SELECT id, CASE WHEN id % 10 = 0 THEN 'yellow' ELSE 'green' END, 'seeded', 1, now(),
                     CASE WHEN id % 10 = 0 THEN now() + interval '7 days' END FROM u RETURNING user_id)
      SELECT min(user_id)::text AS first FROM c`);
    const yellows = Array.from({ length: SEEDED }, (_, i) => Number(first) + i).filter((id) => id % 10 === 0);
    // A second batch process finds the rebuild taken by the first: it must read as no rebuild (1),
    // never as one stuck at its start, or an alert on the lowest ratio would fire for nothing.
    const batches = [sys.apps.batch!, await sys.startApp('batch')];
    const ratios = () =>
      Promise.all(
        batches.map(async (b) =>
          metricIn((await call('GET', `${b.metricsUrl}/metrics`)).body, 'hc_cache_rebuild_progress_ratio'),
        ),
      );
    await eventually(ratios, (r) => r.every((x) => x === 1), 10_000, 'both batch processes to report no rebuild');
    await cacheRedis.flushAll();
    const watcher = new Redis(cacheRedis.url);
    // The rebuild's own state is on the queue Redis; the cache holds the epoch it completes.
    const queueWatcher = new Redis(sys.env.REDIS_URL);
    const prefix = sys.env.HC_KEY_PREFIX;
    const complete = async () => {
      const [done, epoch] = await Promise.all([
        queueWatcher.get(rebuildStateKey(prefix, 'complete')),
        watcher.get(rebuildStateKey(prefix, 'epoch')),
      ]);
      return done !== null && done === epoch;
    };
    let sawPartial = false;
    let sawRebuilding = false;
    try {
      const deadline = Date.now() + 60_000;
      while (!(await complete())) {
        if (Date.now() > deadline) throw new Error('the cache rebuild did not complete in 60 s');
        const sample = [
          person.userId,
          ...Array.from({ length: 5 }, () => String(yellows[Math.floor(Math.random() * yellows.length)])),
        ];
        const answers = await Promise.all(sample.map((id) => readCode(id === person.userId ? person.token : sign(id))));
        for (const a of answers) expect(a.body.color).toBe('yellow');
        const keys = await watcher.dbsize();
        if (keys > 10 && keys < SEEDED) sawPartial = true;
        const [a, b] = await ratios();
        if (Math.min(a, b) < 1) sawRebuilding = true;
        expect(Math.max(a, b)).toBe(1);
      }
      expect(sawPartial).toBe(true);
      expect(sawRebuilding).toBe(true);
      expect(await watcher.dbsize()).toBeGreaterThanOrEqual(SEEDED + 1);
      await eventually(ratios, (r) => r.every((x) => x === 1), 5_000, 'both batch processes to report no rebuild');
    } finally {
      watcher.disconnect();
      queueWatcher.disconnect();
      await batches[1].stop();
    }
  }, 90_000);

  it('reads from Postgres while the cache Redis is down, and answers 503 when Postgres is down too', async () => {
    await cacheRedis.stop();
    try {
      const fromPostgres = await readCode(person.token);
      expect(fromPostgres.status).toBe(200);
      expect(fromPostgres.body.color).toBe('yellow');
      await pgProxy.cut();
      const neither = await readCode(person.token);
      expect(neither.status).toBe(503);
      expect(neither.body).toEqual({ error: 'UNAVAILABLE', message: expect.any(String) });
    } finally {
      await pgProxy.restore();
      await cacheRedis.restart();
    }
    // Back: an empty cache is filled again and the read is right.
    const back = await eventually(
      () => readCode(person.token),
      (r) => r.status === 200,
      15_000,
      'the api to answer again',
    );
    expect(back.body.color).toBe('yellow');
  }, 60_000);

  it('shows an expired yellow as green at read time, before any sweep', async () => {
    const [{ id }] = await sys.db.query<{ id: string }>(`
      WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id)
      INSERT INTO health_codes (user_id, color, reason, version, updated_at, expires_at)
      SELECT id, 'yellow', 'contact', 1, now() - interval '15 days', now() - interval '1 second' FROM u RETURNING user_id::text AS id`);
    const token = sign(id);
    for (let i = 0; i < 2; i++) {
      // The first read comes from Postgres, the second from the cache it filled.
      const r = await readCode(token);
      expect(r.body).toMatchObject({ color: 'green', expiresAt: null });
    }
  });
});
