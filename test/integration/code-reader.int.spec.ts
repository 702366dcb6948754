import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CodeCache, type CodeView } from '#libs/cache/index.js';
import { CodeReader, CodeWriter } from '#libs/codes/index.js';
import { HealthCodeRepository, UserRepository } from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

/** The read path against real Postgres and Redis, from the inside. */
describe('CodeReader', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let codes: HealthCodeRepository;
  let reader: CodeReader;
  let cache: CodeCache;

  beforeAll(async () => {
    db = await createTestDatabase('reader');
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    redis = new Redis(redisUrl());
    codes = new HealthCodeRepository(ds);
    cache = new CodeCache(redis, testKeyPrefix('reader'));
    reader = new CodeReader(cache, codes);
  });

  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
    await db.drop();
  });

  it('asks Postgres once for a key that many concurrent requests miss, then serves it from Redis', async () => {
    const users = new UserRepository(ds);
    const a = await users.registerUser();
    const b = await users.registerUser();
    const spy = jest.spyOn(codes, 'findCodes');
    const views = await Promise.all(Array.from({ length: 200 }, (_, i) => reader.read(i % 2 ? a.userId : b.userId)));
    expect(views.filter((v) => v.userId === a.userId)).toHaveLength(100);
    const askedFor = spy.mock.calls.flatMap(([ids]) => ids);
    expect(askedFor.sort()).toEqual([a.userId, b.userId].sort());
    spy.mockClear();
    await reader.read(a.userId);
    expect(spy).not.toHaveBeenCalled();
    expect((await cache.get(a.userId))?.color).toBe('green');
  });

  it('never answers the old colour between a change’s commit and its write-through to the cache', async () => {
    const person = await new UserRepository(ds).registerUser();
    expect((await reader.read(person.userId)).color).toBe('green'); // now in the cache
    // The write-through waits until the test has read: by then the change is committed.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const put = cache.put.bind(cache);
    jest.spyOn(cache, 'put').mockImplementationOnce(async (v: CodeView) => {
      await released;
      return put(v);
    });
    const change = new CodeWriter(ds, codes, cache).transact((t) =>
      t.change(person.userId, 'test', null, () => ({
        color: 'yellow',
        reason: 'contact',
        expiresAtMs: Date.now() + 86_400_000,
        infectiousFromMs: null,
      })),
    );
    while ((await codes.findCodes([person.userId])).get(person.userId)?.color !== 'yellow')
      await new Promise((r) => setTimeout(r, 5));
    expect((await reader.read(person.userId)).color).toBe('yellow');
    release();
    await change;
    expect((await cache.get(person.userId))?.color).toBe('yellow');
  });

  it('refuses a person who does not exist with 401 (no default colour)', async () => {
    await expect(reader.read('987654321')).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
  });
});
