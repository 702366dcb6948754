import type { Cluster } from 'ioredis';
import pg from 'pg';
import { CodeCache, rebuildStateKey } from '#libs/cache/index.js';
import { queuePrefix } from '#libs/queue/index.js';
import { call, eventually } from '../support/http.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';
import {
  compareWithOracle,
  loadOracleCity,
  noDifferences,
  oracleCityEnv,
  waitForCityTraced,
  type LoadedCity,
} from '../support/tracing-oracle.js';
import { userTokenSigner } from '../support/user-tokens.js';

const PING_BATCHES_PER_MINUTE = 3;

/** Keys matching `pattern` on each node of the cluster (SCAN is per node). */
async function keysPerNode(redis: Cluster, pattern: string): Promise<number[]> {
  return Promise.all(
    redis.nodes('master').map(async (node) => {
      let [cursor, n] = ['0', 0];
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        [cursor, n] = [next, n + keys.length];
      } while (cursor !== '0');
      return n;
    }),
  );
}

/**
 * Scale-out: the whole system on a 3-node Redis Cluster of its own (queues and read model both
 * on REDIS_URL=redis+cluster://...), with two batch processes sharing the shards of each window.
 * Tracing must equal the brute-force oracle exactly, as on a single Redis; the api reads codes
 * from the cluster and the rate limits count there.
 */
describe('the system on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let redis: Cluster;
  let sys: TestSystem;
  let db: pg.Client;
  let city: LoadedCity;

  beforeAll(async () => {
    cluster = await TestRedisCluster.start(3);
    redis = cluster.client();
    sys = await startSystem('cluster', ['api'], { REDIS_URL: cluster.url, ...oracleCityEnv(16) });
    db = new pg.Client({ connectionString: sys.db.url });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await sys?.stop();
    await cluster?.stop();
  });

  it('two batch processes sharing the shards trace a city exactly as the oracle does', async () => {
    // Both workers are up before the windows exist, so both take part from the first shard.
    const workers = [
      await sys.startApp('batch', { LOG_LEVEL: 'debug' }),
      await sys.startApp('batch', { LOG_LEVEL: 'debug' }),
    ];
    city = await loadOracleCity(sys, db);
    await waitForCityTraced(db, city, 60_000);
    expect(await compareWithOracle(db, city)).toEqual(noDifferences(city));

    const shardsDone = workers.map((w) => w.output().match(/job trace-shard-\d+-\d+-\d+ done/g)?.length ?? 0);
    expect(shardsDone.every((n) => n > 0)).toBe(true);
    // Each queue's keys share one hash tag, so one slot on one node; the codes spread over all nodes.
    const queueKeys = await keysPerNode(redis, `${queuePrefix(sys.env.HC_KEY_PREFIX)}:*`);
    expect(queueKeys.filter((n) => n > 0)).toHaveLength(1);
    expect((await keysPerNode(redis, `${sys.env.HC_KEY_PREFIX}:code:*`)).every((n) => n > 0)).toBe(true);
    // The read model's rebuild (scripts over its cursor and marker, one hash tag) completed there too.
    await eventually(
      () => redis.exists(rebuildStateKey(sys.env.HC_KEY_PREFIX, 'complete')),
      (n) => n === 1,
      15_000,
      'the cache rebuild marker',
    );

    // SIGTERM drains each worker and then quits the shared cluster connection: exit 0 once shutdown
    // finished (a failed shutdown exits otherwise, a hung one is SIGKILLed).
    await Promise.all(workers.map((w) => w.stop()));
    expect(workers.map((w) => [w.process.exitCode, w.process.signalCode])).toEqual([
      [0, null],
      [0, null],
    ]);
    expect(
      workers.flatMap((w) =>
        w
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line)),
      ),
    ).toEqual([]);
  }, 85_000);

  it('the api reads a code a trace turned yellow from the cluster cache', async () => {
    const applied = city.expected.requests.find((r) => r.auto && r.status === 'applied');
    expect(applied).toBeDefined();
    const token = userTokenSigner(sys)(applied!.userId);
    const readCode = () => call('GET', `${sys.url('api')}/v1/codes/me`, { token });
    expect((await readCode()).body).toMatchObject({ userId: applied!.userId, color: 'yellow' });

    // The trace wrote the code through to the cluster; a newer entry put there is what the api serves.
    const cache = new CodeCache(redis, sys.env.HC_KEY_PREFIX);
    const cached = await cache.get(applied!.userId);
    expect(cached).toMatchObject({ userId: applied!.userId, color: 'yellow' });
    expect(await cache.put({ ...cached!, version: cached!.version + 1, reason: 'served from the cluster' })).toBe(true);
    expect((await readCode()).body).toMatchObject({ color: 'yellow', reason: 'served from the cluster' });
  });

  it('admin login failures are counted on the cluster (one script over two counters)', async () => {
    const wrong = await call('POST', `${sys.url('api')}/v1/admin/sessions`, {
      body: { ...TEST_ADMIN, password: 'not-the-password-at-all' },
    });
    expect(wrong.status).toBe(401);
    const failures = await redis.get(`${sys.env.HC_KEY_PREFIX}:{login-fail}:user:${TEST_ADMIN.username}`);
    expect(failures).toBe('1');
    expect((await call('POST', `${sys.url('api')}/v1/admin/sessions`, { body: TEST_ADMIN })).status).toBe(200);
  });

  it('ingest stores pings and limits them with counters on the cluster', async () => {
    await sys.startApp('ingest', { HC_PING_BATCHES_PER_MINUTE: String(PING_BATCHES_PER_MINUTE) });
    const person = (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body as {
      userId: string;
      token: string;
    };
    const post = (i: number) =>
      call('POST', `${sys.url('ingest')}/v1/pings`, {
        token: person.token,
        body: { pings: [{ ts: Date.now() - i * 1000, lat: 45.0001, lon: 0.0001 }] },
      });
    const answers = [];
    for (let i = 0; i <= PING_BATCHES_PER_MINUTE; i++) answers.push(await post(i));
    expect(answers.map((a) => a.status)).toEqual([...Array(PING_BATCHES_PER_MINUTE).fill(202), 429]);
    expect(answers[0].body).toEqual({ accepted: 1, late: 0, rejected: 0 });
    const stored = await db.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [person.userId]);
    expect(Number(stored.rows[0].n)).toBe(PING_BATCHES_PER_MINUTE);
  });
});
