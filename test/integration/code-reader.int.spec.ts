import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CodeCache } from '#libs/cache/index.js';
import { HealthCodeRepository, UserRepository } from '#libs/db/index.js';
import { CodeReader } from '../../apps/api/src/codes/code-reader.service.js';
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

  it('refuses a person who does not exist with 401 (no default colour)', async () => {
    await expect(reader.read('987654321')).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
  });
});
