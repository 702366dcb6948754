import { Redis } from 'ioredis';
import { CODE_HOLD_MS, CodeCache, type CodeView } from '#libs/cache/index.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

const view = (version: number, color: CodeView['color'] = 'yellow'): CodeView => ({
  userId: '42',
  color,
  reason: `v${version}`,
  version,
  updatedAtMs: 1_700_000_000_000 + version * 1000,
  expiresAtMs: color === 'yellow' ? 1_800_000_000_000 : null,
  tokenVersion: 0,
});

describe('CodeCache (versioned write-through, real Redis)', () => {
  let redis: Redis;
  let cache: CodeCache;

  beforeAll(() => {
    redis = new Redis(redisUrl());
    cache = new CodeCache(redis, testKeyPrefix('cache'));
  });

  afterAll(async () => {
    await redis.quit();
  });

  beforeEach(async () => {
    await cache.drop('42');
  });

  it('round-trips a code view', async () => {
    expect(await cache.put(view(3))).toBe(true);
    expect(await cache.get('42')).toEqual(view(3));
    expect(await cache.get('43')).toBeNull();
  });

  it('never lets an older or equal version overwrite a newer one', async () => {
    await cache.put(view(5, 'red'));
    expect(await cache.put(view(4, 'green'))).toBe(false);
    expect(await cache.put(view(5, 'green'))).toBe(false);
    expect((await cache.get('42'))?.color).toBe('red');
    expect(await cache.put(view(6, 'green'))).toBe(true);
    expect((await cache.get('42'))?.color).toBe('green');
  });

  it('converges on the newest version under concurrent writers in any order', async () => {
    const versions = Array.from({ length: 200 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const writers = [new Redis(redisUrl()), new Redis(redisUrl()), new Redis(redisUrl())];
    const prefix = (cache as unknown as { prefix: string }).prefix;
    const caches = writers.map((r) => new CodeCache(r, prefix));
    await Promise.all(versions.map((v, i) => caches[i % caches.length].put(view(v))));
    expect((await cache.get('42'))?.version).toBe(200);
    await Promise.all(writers.map((w) => w.quit()));
  });

  it('a hold (a change being committed) reads as a miss, keeps older fills out and gives way to the write of its version', async () => {
    await cache.put(view(1, 'green'));
    await cache.holdMany([{ userId: '42', version: 2 }]);
    expect(await cache.get('42')).toBeNull();
    expect(await cache.put(view(1, 'green'))).toBe(false);
    expect(await cache.putMany([view(1, 'green')])).toBe(0);
    expect(await cache.put(view(2))).toBe(true);
    expect(await cache.get('42')).toEqual(view(2));
    expect(await redis.pttl(cache.key('42'))).toBe(-1);
  });

  it('a hold never replaces a value as new, and ends by itself when its write never comes', async () => {
    await cache.put(view(37));
    await cache.holdMany([{ userId: '42', version: 37 }]);
    expect(await cache.get('42')).toEqual(view(37));
    await cache.holdMany([{ userId: '42', version: 38 }]);
    expect(await cache.get('42')).toBeNull();
    const ttl = await redis.pttl(cache.key('42'));
    expect(ttl > 0 && ttl <= CODE_HOLD_MS).toBe(true);
    // A newer write than the held version ends the hold too.
    expect(await cache.put(view(39))).toBe(true);
  });

  it('compares versions numerically beyond one digit of base 36', async () => {
    await cache.put(view(35));
    expect(await cache.put(view(36))).toBe(true);
    expect(await cache.put(view(1_000_000))).toBe(true);
    expect(await cache.put(view(999_999))).toBe(false);
  });

  describe('token versions (a revocation is never undone by the cache)', () => {
    const revoked = (version: number, tokenVersion: number): CodeView => ({ ...view(version), tokenVersion });

    it('keeps the newer of each version: a newer code keeps a revocation, a revocation keeps a newer code', async () => {
      await cache.put(view(3, 'green'));
      expect(await cache.put(revoked(3, 1))).toBe(true);
      expect(await cache.get('42')).toEqual({ ...view(3, 'green'), tokenVersion: 1 });
      // A fill read before the revocation: the same code, the old token version.
      expect(await cache.put(view(3, 'green'))).toBe(false);
      expect(await cache.putMany([view(2, 'green')])).toBe(0);
      // A code change read before the revocation: its code, and still the revocation's version.
      expect(await cache.put(view(4, 'red'))).toBe(true);
      expect(await cache.get('42')).toEqual({ ...view(4, 'red'), tokenVersion: 1 });
      // A revocation whose write-through comes after a newer code: that code stays.
      expect(await cache.putMany([revoked(3, 2)])).toBe(1);
      expect(await cache.get('42')).toEqual({ ...view(4, 'red'), tokenVersion: 2 });
      expect(await redis.get(cache.key('42'))).toMatch(/^4\.2\|r\|/);
    });

    it("a revocation's hold keeps out every entry of the old token version until its own write", async () => {
      await cache.put(view(5));
      await cache.holdMany([{ userId: '42', version: 5, tokenVersion: 1 }]);
      expect(await cache.get('42')).toBeNull();
      expect(await cache.put(view(5))).toBe(false);
      expect(await cache.put(view(6))).toBe(false);
      // A code change's own hold (token version 0) does not lift the revocation's.
      await cache.holdMany([{ userId: '42', version: 5 }]);
      expect(await cache.get('42')).toBeNull();
      expect(await cache.put(view(5))).toBe(false);
      expect(await cache.put(revoked(5, 1))).toBe(true);
      expect(await cache.get('42')).toEqual(revoked(5, 1));
      expect(await redis.pttl(cache.key('42'))).toBe(-1);
    });

    it('reads an entry written without a token version as version 0', async () => {
      await redis.set(cache.key('42'), '7|g|1|' + '|registered');
      expect(await cache.get('42')).toMatchObject({ version: 7, tokenVersion: 0, color: 'green' });
    });
  });
});
