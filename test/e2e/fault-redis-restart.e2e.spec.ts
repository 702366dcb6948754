import { faultWhileTracingCity, expectTracedOnceAsTheOracle } from '../support/city-under-load.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { oracleCityEnv } from '../support/tracing-oracle.js';

/**
 * The safety invariant and the reliability rules (docs/domain.md) under load: the one Redis of the
 * system (queues and read model) is killed with SIGKILL while phones read and post and a city is
 * being traced, and comes back empty. No read may show green for a person Postgres holds at risk
 * (a 503 may); ingest answers 202 again and keeps every acknowledged ping; tracing resumes and
 * ends exactly as the oracle says.
 */
describe('Redis restarted empty under load', () => {
  let redis: TestRedisServer;
  let sys: TestSystem;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    sys = await startSystem('fault-redis', ['api', 'ingest'], { REDIS_URL: redis.url, ...oracleCityEnv(4) });
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
    await redis?.stop();
  });

  it('reads never wrongly green, ingest recovers, tracing resumes and equals the oracle', async () => {
    const { city, load, untracedAtFault, recoveredAt } = await faultWhileTracingCity(sys, async () => {
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1_000));
      await redis.restart();
    });

    expect(untracedAtFault).toBeGreaterThan(0);
    // The safety invariant: never green for a person at risk; a 503 is an honest answer.
    expect(load.wrongGreens()).toEqual([]);
    expect([...new Set(load.reads.map((r) => r.status))].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(load.reads.filter((r) => r.status === 200 && r.truth === 'at-risk').length).toBeGreaterThan(20);
    // Some of those at risk were made yellow by the trace while the phones were reading.
    expect(
      load.reads.some(
        (r) =>
          r.sentAt > recoveredAt &&
          r.status === 200 &&
          r.color === 'yellow' &&
          load.reads.some((e) => e.userId === r.userId && e.truth === 'green'),
      ),
    ).toBe(true);
    // Ingest: 202s again after the restart, and every acknowledged ping stored.
    expect(load.posts.filter((p) => p.sentAt > recoveredAt && p.status === 202).length).toBeGreaterThan(0);
    expect((await load.missingPings()).missing).toEqual([]);
    // Tracing resumed.
    await expectTracedOnceAsTheOracle(sys, city);
  }, 180_000);
});
