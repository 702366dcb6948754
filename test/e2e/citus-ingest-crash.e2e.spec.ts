import { startApp, type RunningApp } from '../support/apps.js';
import { OwnCitus } from '../support/citus.js';
import type { TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';
import { FAST_GRID_ENV } from '../support/system.js';
import { postThroughCrash, storedPings } from '../support/phones-through-crash.js';

const PHONES = 20;
const BATCH = 20;
const SECRET = 'a-test-secret-of-at-least-32-characters!!';
/** Cells of two zones: one on each worker (checked below), so the kill hits half the commits. */
const CELLS = ['u33dc0cp', 'u33ec0cp', 'u33fc0cp', 'u336c0cp'];

/**
 * ingest-crash.e2e.spec.ts on a Citus cluster: a worker node is killed with SIGKILL and restarted
 * while phones keep sending. A commit that reached several nodes is a two-phase commit, so every
 * ping answered 202 is stored afterwards (a transaction the worker had prepared is finished by the
 * coordinator's recovery), and batches sent again after a failure are stored once.
 */
describe('ingest on a Citus cluster while a worker crashes', () => {
  let cluster: OwnCitus;
  let db: TestDatabase;
  let ingest: RunningApp;
  let victim: 1 | 2;

  beforeAll(async () => {
    cluster = await OwnCitus.start();
    db = await cluster.testDatabase('citus_crash');
    await db.query(
      `WITH u AS (INSERT INTO users (created_at) SELECT now() FROM generate_series(1, $1::int) RETURNING id)
       INSERT INTO health_codes (user_id, color, reason, version, updated_at) SELECT id, 'green', 'registered', 1, now() FROM u`,
      [PHONES],
    );
    await db.query('SELECT hc_ensure_ping_partition((now() - interval $$1 day$$)::date)');
    await db.query('SELECT hc_ensure_ping_partition(now()::date)');
    const ports = await db.query<{ port: number }>(
      `SELECT DISTINCT s.nodeport AS port FROM unnest($1::text[]) c
       JOIN citus_shards s ON s.shardid = get_shard_id_for_distribution_column('pings', left(c, 4))`,
      [CELLS],
    );
    expect(ports.length).toBe(2); // the phones' pings land on both workers
    const workers = await db.query<{ port: number }>(
      `SELECT nodeport AS port FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeid`,
    );
    victim = workers[0].port === ports[0].port ? 1 : 2;
    ingest = await startApp('ingest', {
      DATABASE_URL: db.appUrl,
      REDIS_URL: redisUrl(),
      HC_KEY_PREFIX: testKeyPrefix('citus-crash'),
      HC_JWT_SECRET: SECRET,
      HC_PING_BATCHES_PER_MINUTE: '100000',
      // Each phone's pings spread over zones kilometres apart (to reach every shard): not a person's track.
      HC_MAX_PINGS_PER_SLOT: '100000',
      HC_MAX_SPEED_KMH: '1e12',
      ...FAST_GRID_ENV,
    });
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    await db?.drop();
    await cluster?.destroy();
  });

  it('keeps every acknowledged ping through a kill -9 of a worker and stores retries once', async () => {
    const { acknowledged, failed, beforeCrash, send } = await postThroughCrash({
      ingestUrl: ingest.url,
      secret: SECRET,
      phones: PHONES,
      batchSize: BATCH,
      cellOf: (phone, i) => CELLS[(phone + i) % CELLS.length],
      kill: () => cluster.killWorker(victim),
      restart: () => cluster.restart(),
      retries: 100,
    });

    expect(beforeCrash).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // the crash was seen by some phones

    // A phone that never saw its 202 sends the batch again: its COPY hits the ping key (a worker's
    // error that Citus's COPY passes on without its SQLSTATE), and the batch is answered 202 again.
    const again = await Promise.all(acknowledged.slice(0, 5).map(send));
    expect(again.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);

    // Commits the crash left prepared on the worker are finished by the coordinator's 2PC recovery
    // (every second: citus.recover_2pc_interval); run it now rather than wait.
    const stored = await storedPings(db.url, acknowledged, (c) => c.query('SELECT recover_prepared_transactions()'));
    expect(stored.missing).toEqual([]);
    expect(stored.rows).toBe((acknowledged.length + failed.length) * BATCH);
    expect(stored.distinct).toBe(stored.rows);
  }, 180_000);
});
