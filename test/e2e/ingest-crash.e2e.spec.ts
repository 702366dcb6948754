import pg from 'pg';
import { startApp, type RunningApp } from '../support/apps.js';
import type { TestDatabase } from '../support/databases.js';
import { OwnPostgres } from '../support/own-postgres.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';
import { FAST_GRID_ENV } from '../support/system.js';
import { postThroughCrash, storedPings } from '../support/phones-through-crash.js';

const PHONES = 20;
const BATCH = 20;
const SECRET = 'a-test-secret-of-at-least-32-characters!!';

/**
 * A 202 is a promise that the pings are committed (docs/api.md, `POST /v1/pings`). Postgres is
 * killed with SIGKILL and restarted while phones keep sending: every ping that got a 202 is there
 * afterwards, and the retried batches create no duplicates.
 */
describe('ingest while Postgres crashes', () => {
  let postgres: OwnPostgres;
  let ingest: RunningApp;
  let own: TestDatabase;
  let url: string;

  beforeAll(async () => {
    postgres = await OwnPostgres.start();
    own = await postgres.testDatabase('hc_test_crash');
    url = own.url;
    // The phones' people (ids 1..PHONES): ingest checks each token against its person's entry.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(
      `WITH u AS (INSERT INTO users (created_at) SELECT now() FROM generate_series(1, $1::int) RETURNING id)
       INSERT INTO health_codes (user_id, color, reason, version, updated_at) SELECT id, 'green', 'registered', 1, now() FROM u`,
      [PHONES],
    );
    await db.end();
    ingest = await startApp('ingest', {
      DATABASE_URL: own.appUrl,
      REDIS_URL: redisUrl(),
      HC_KEY_PREFIX: testKeyPrefix('crash'),
      HC_JWT_SECRET: SECRET,
      HC_PING_BATCHES_PER_MINUTE: '100000',
      HC_MAX_PINGS_PER_SLOT: '100000',
      ...FAST_GRID_ENV,
    });
  }, 120_000);

  afterAll(async () => {
    await ingest?.stop();
    await own?.drop();
    await postgres?.destroy();
  });

  it('keeps every acknowledged ping through a kill -9 and stores retries once', async () => {
    const { acknowledged, failed, beforeCrash } = await postThroughCrash({
      ingestUrl: ingest.url,
      secret: SECRET,
      phones: PHONES,
      batchSize: BATCH,
      cellOf: () => 'u33dc0cp',
      kill: () => postgres.killHard(),
      restart: () => postgres.restart(),
      retries: 50,
    });

    expect(beforeCrash).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // the crash was seen by some phones
    const stored = await storedPings(url, acknowledged);
    expect(stored.missing).toEqual([]);
    // Every ping sent is stored exactly once (the key forbids more; the count shows none is lost).
    expect(stored.rows).toBe((acknowledged.length + failed.length) * BATCH);
    expect(stored.distinct).toBe(stored.rows);
  }, 120_000);
});
