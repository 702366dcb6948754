import pg from 'pg';
import { phonesOfEveryone, PhoneLoad } from '../support/phones.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { expectClosedWindowsTracedOnce, expectNoDuplicateEffects, waitForAnyWindow } from '../support/tracing-fixture.js';
import { compareWithOracle, loadOracleCity, noDifferences, oracleCityEnv, waitForCityTraced } from '../support/tracing-oracle.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DESIGN §2 and §2b under load: the one Redis of the system (queues and read model) is killed
 * with SIGKILL while phones read and post and a city is being traced, and comes back empty.
 * No read may show green for a person Postgres holds at risk (a 503 may); ingest answers 202
 * again and keeps every acknowledged ping; tracing resumes and ends exactly as the oracle says.
 */
describe('Redis restarted empty under load', () => {
  let redis: TestRedisServer;
  let sys: TestSystem;
  let db: pg.Client;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    sys = await startSystem('fault-redis', ['api', 'ingest'], { REDIS_URL: redis.url, ...oracleCityEnv(4, null) });
    db = new pg.Client({ connectionString: sys.db.url });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await sys?.stop();
    await redis?.stop();
  });

  it('reads never wrongly green, ingest recovers, tracing resumes and equals the oracle', async () => {
    const city = await loadOracleCity(sys, db, null);
    const cityWindows = Array.from({ length: city.windows }, (_, i) => city.firstWindowId + i);
    const load = new PhoneLoad({ db: sys.db, apiUrl: sys.url('api'), ingestUrl: sys.url('ingest'), ...(await phonesOfEveryone(sys)) });
    let notDoneAtKill: unknown[];
    let restartedAt: number;
    try {
      await sys.startApp('batch');
      await waitForAnyWindow(sys.db, cityWindows, 'processing');
      await pause(Math.floor(Math.random() * 300));
      await redis.stop();
      notDoneAtKill = await sys.db.query(`SELECT id FROM windows WHERE id = ANY($1) AND status <> 'done'`, [cityWindows]);
      await pause(1_000);
      await redis.restart();
      restartedAt = Date.now();
      // Under load until the city is traced (the trace's changes land while phones read them).
      await waitForCityTraced(db, city, 60_000);
      await pause(1_000);
    } finally {
      await load.stop();
    }

    // The kill came while the city was being traced.
    expect(notDoneAtKill.length).toBeGreaterThan(0);
    // The safety invariant: never green for a person at risk; a 503 is an honest answer.
    expect(load.wrongGreens()).toEqual([]);
    expect([...new Set(load.reads.map((r) => r.status))].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(load.reads.filter((r) => r.status === 200 && r.truth === 'at-risk').length).toBeGreaterThan(20);
    // Some of those at risk were made yellow by the trace while the phones were reading.
    expect(load.reads.some((r) => r.sentAt > restartedAt && r.status === 200 && r.color === 'yellow' && load.reads.some((e) => e.userId === r.userId && e.truth === 'green'))).toBe(true);
    // Ingest: 202s again after the restart, and every acknowledged ping stored.
    expect(load.posts.filter((p) => p.sentAt > restartedAt && p.status === 202).length).toBeGreaterThan(0);
    expect((await load.missingPings()).missing).toEqual([]);
    // Tracing resumed: every closed window done in one generation, the oracle's result, each change applied once.
    expect(await compareWithOracle(db, city)).toEqual(noDifferences(city));
    await expectClosedWindowsTracedOnce(sys.db, 60_000);
    await expectNoDuplicateEffects(sys.db);
  }, 180_000);
});
