import pg from 'pg';
import { startApp, type RunningApp } from '../support/apps.js';
import type { TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OwnPostgres } from '../support/own-postgres.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';
import { FAST_GRID_ENV } from '../support/system.js';
import { userTokensFor } from '../support/user-tokens.js';

const PHONES = 20;
const BATCH = 20;
const SECRET = 'a-test-secret-of-at-least-32-characters!!';

interface Batch {
  token: string;
  userId: string;
  pings: { ts: number; geohash: string }[];
}

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
    const sign = userTokensFor(SECRET);
    const start = Date.now() - 10 * 60_000;
    let next = 0;
    const newBatch = (phone: number): Batch => ({
      token: sign(phone + 1),
      userId: String(phone + 1),
      pings: Array.from({ length: BATCH }, () => ({ ts: start + next++, geohash: 'u33dc0cp' })),
    });
    const send = (b: Batch) =>
      call('POST', `${ingest.url}/v1/pings`, { token: b.token, body: { pings: b.pings } }).catch(() => ({
        status: 0,
        body: null,
      }));

    const acknowledged: Batch[] = [];
    const failed: Batch[] = [];
    let running = true;
    const phones = Array.from({ length: PHONES }, async (_, phone) => {
      while (running) {
        const b = newBatch(phone);
        const r = await send(b);
        if (r.status === 202) acknowledged.push(b);
        else failed.push(b);
      }
    });

    await new Promise((r) => setTimeout(r, 1_500));
    const beforeCrash = acknowledged.length;
    postgres.killHard();
    await new Promise((r) => setTimeout(r, 1_000));
    await postgres.restart();
    await new Promise((r) => setTimeout(r, 2_000));
    running = false;
    await Promise.all(phones);

    expect(beforeCrash).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // the crash was seen by some phones
    // Phones retry what failed, each batch as it was, until it is acknowledged.
    for (const b of failed) {
      for (let attempt = 0; ; attempt++) {
        const r = await send(b);
        if (r.status === 202) break;
        if (attempt > 50) throw new Error(`a retried batch kept failing: ${r.status}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ user_id: string; ms: string }>(
        `SELECT user_id::text, (extract(epoch FROM ts) * 1000)::bigint::text AS ms FROM pings`,
      );
      const stored = new Set(rows.map((r) => `${r.user_id}:${r.ms}`));
      const missing = acknowledged.flatMap((b) => b.pings.filter((p) => !stored.has(`${b.userId}:${p.ts}`)));
      expect(missing).toEqual([]);
      // Every ping sent is stored exactly once (the key forbids more; the count shows none is lost).
      expect(rows.length).toBe((acknowledged.length + failed.length) * BATCH);
      expect(stored.size).toBe(rows.length);
    } finally {
      await client.end();
    }
  }, 120_000);
});
