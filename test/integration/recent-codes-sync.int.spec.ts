import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CodeCache } from '#libs/cache/index.js';
import { toCodeView } from '#libs/codes/index.js';
import { HealthCodeRepository, UserRepository } from '#libs/db/index.js';
import { RecentCodesSync } from '../../apps/batch/src/cache-rebuild/recent-codes-sync.service.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

/** A process died between a code's commit and its cache write: the sweep repairs the cache. */
describe('RecentCodesSync', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let cache: CodeCache;
  let codes: HealthCodeRepository;

  beforeAll(async () => {
    db = await createTestDatabase('codes_sync');
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    redis = new Redis(redisUrl());
    cache = new CodeCache(redis, testKeyPrefix('codes_sync'));
    codes = new HealthCodeRepository(ds);
  });

  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
    await db.drop();
  });

  it('brings a cache entry left one version behind up to date, and only recent changes', async () => {
    const users = new UserRepository(ds);
    const [person, old] = [await users.registerUser(), await users.registerUser()];
    await cache.put(toCodeView(person));
    // Committed, then "crashed" before the cache write.
    const written = await ds.transaction((tx) =>
      codes.writeCode(
        tx,
        person,
        { color: 'yellow', reason: 'exposure', expiresAtMs: Date.now() + 86_400_000, infectiousFromMs: null },
        'tracing',
        null,
      ),
    );
    expect((await cache.get(person.userId))?.color).toBe('green');
    // A code unchanged for an hour is not the sweep's business (the rebuild covers a lost cache).
    await db.query(`UPDATE health_codes SET updated_at = now() - interval '1 hour' WHERE user_id = $1`, [old.userId]);

    const sync = new RecentCodesSync(codes, cache);
    expect(await sync.sync()).toBe(1);
    expect(await cache.get(person.userId)).toMatchObject({ color: 'yellow', version: written.version });
    expect(await cache.get(old.userId)).toBeNull();
    expect(await sync.sync()).toBe(0); // versioned: a repeat changes nothing
  });
});
