import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisThrottlerStorage } from '#libs/cache/index.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

describe('RedisThrottlerStorage (rate-limit counters, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let storage: RedisThrottlerStorage;

  beforeAll(() => {
    redis = new Redis(redisUrl());
  });

  afterAll(async () => {
    await redis.quit();
  });

  beforeEach(() => {
    prefix = testKeyPrefix(`rl-${Math.random().toString(36).slice(2)}`);
    storage = new RedisThrottlerStorage(redis, prefix);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** Commands the storage sends to Redis while `work` runs. */
  async function commandsDuring<T>(work: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const send = jest.spyOn(redis, 'sendCommand');
    const result = await work();
    const commands = send.mock.calls.map(([c]) => (c as { name: string }).name);
    send.mockRestore();
    return { result, commands };
  }

  it('counts hits per key within the window, blocks past the limit, and says when the window ends', async () => {
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await storage.increment('alice', 60_000, 2));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(hits[2].timeToBlockExpire).toBeGreaterThanOrEqual(59);
    expect(hits[2].timeToBlockExpire).toBeLessThanOrEqual(60);
    expect(await redis.pttl(`${prefix}:rl:alice`)).toBeGreaterThan(58_000);
  });

  it('sends the hits of one turn of the event loop as one call, each key counted in order', async () => {
    const keys = ['a', 'b', 'a', 'c', 'a', 'b'];
    const { result, commands } = await commandsDuring(() =>
      Promise.all(keys.map((k) => storage.increment(k, 60_000, 2))),
    );
    expect(result.map((h) => h.totalHits)).toEqual([1, 1, 2, 1, 3, 2]);
    expect(result.map((h) => h.isBlocked)).toEqual([false, false, false, false, true, false]);
    expect(commands).toHaveLength(1);
    expect(await redis.get(`${prefix}:rl:a`)).toBe('3');
  });

  it('keeps windows of different lengths apart', async () => {
    const [short, long] = await Promise.all([storage.increment('x', 10_000, 5), storage.increment('y', 60_000, 5)]);
    expect(short.timeToExpire).toBeLessThanOrEqual(10);
    expect(long.timeToExpire).toBeGreaterThan(10);
    expect(await redis.pttl(`${prefix}:rl:x`)).toBeLessThanOrEqual(10_000);
  });

  it('splits a turn with more hits than one call takes, and counts them all', async () => {
    const n = 1_200;
    const { result, commands } = await commandsDuring(() =>
      Promise.all(Array.from({ length: n }, () => storage.increment('busy', 60_000, n))),
    );
    expect(result.map((h) => h.totalHits)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(commands.length).toBe(3);
  });

  it('does not enforce the limit while Redis is unreachable (every hit of the turn answered)', async () => {
    // Nothing listens on port 1; no offline queue, no reconnection: every command fails at once.
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    try {
      const offline = new RedisThrottlerStorage(down, prefix);
      const answers = await Promise.all([offline.increment('bob', 60_000, 1), offline.increment('bob', 60_000, 1)]);
      expect(answers).toEqual(
        [0, 1].map(() => ({ totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 })),
      );
    } finally {
      down.disconnect();
    }
  });
});
