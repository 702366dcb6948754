import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { RedisClient } from './redis.factory.js';

// A fixed window per key: the first hit starts it, later hits count within it. Several keys (and
// the same key several times) in one call, in order: [hits, pttl] per key.
const HITS = `
local out = {}
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  if hits == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  out[2 * i - 1] = hits
  out[2 * i] = redis.call('PTTL', key)
end
return out`;

/** Keys one script call takes at most (Redis runs nothing else meanwhile). */
const MAX_KEYS_PER_CALL = 500;

type Hit = [hits: number, pttl: number];

interface Batch {
  ttlMs: string;
  keys: string[];
  waiters: { resolve: (hit: Hit) => void; reject: (err: Error) => void }[];
}

/**
 * Rate-limit counters shared by every process (api and ingest are stateless and scaled out),
 * kept in Redis. If Redis is unreachable the limit is not enforced rather than failing the
 * request: registration and pings matter more than the limit.
 *
 * Every phone's ping batch takes a hit, so the hits of one turn of the event loop go to Redis
 * together, as one script call (one command for the client to encode and Redis to run instead of
 * one per request). On a Redis Cluster the keys of one call must share a slot, and different
 * users' keys seldom do: there each hit is a call of its own.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly hits: (numberOfKeys: number, ...keysThenTtl: string[]) => Promise<number[]>;
  private readonly hitOne: (key: string, ttlMs: string) => Promise<number[]>;
  private readonly batched: boolean;
  /** The batch being filled in this turn of the event loop, per window length. */
  private readonly filling = new Map<string, Batch>();

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    // A defined command runs by EVALSHA (the script is sent once, not with every call). The
    // one-key form says where its key is: a cluster client's auto-pipelining routes a custom
    // command by its first argument, which in the other form is the key count.
    redis.defineCommand('hcRateLimitHits', { lua: HITS });
    redis.defineCommand('hcRateLimitHit', { lua: HITS, numberOfKeys: 1 });
    const commands = redis as unknown as {
      hcRateLimitHits: RedisThrottlerStorage['hits'];
      hcRateLimitHit: RedisThrottlerStorage['hitOne'];
    };
    this.hits = commands.hcRateLimitHits.bind(redis);
    this.hitOne = commands.hcRateLimitHit.bind(redis);
    this.batched = redis instanceof Redis;
  }

  async increment(
    key: string,
    ttlMs: number,
    limit: number,
  ): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }> {
    try {
      const [hits, pttl] = await this.hit(`${this.prefix}:rl:${key}`, String(ttlMs));
      const seconds = Math.max(1, Math.ceil(pttl / 1000));
      return {
        totalHits: hits,
        timeToExpire: seconds,
        isBlocked: hits > limit,
        timeToBlockExpire: hits > limit ? seconds : 0,
      };
    } catch (err) {
      this.logger.warn(`rate limit not enforced, Redis unavailable: ${(err as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private hit(key: string, ttlMs: string): Promise<Hit> {
    if (!this.batched) return this.hitOne(key, ttlMs).then(([hits, pttl]) => [hits, pttl]);
    let batch = this.filling.get(ttlMs);
    if (!batch) {
      batch = { ttlMs, keys: [], waiters: [] };
      this.filling.set(ttlMs, batch);
      // After this turn's I/O callbacks: every request read in this turn has taken its hit.
      setImmediate(() => this.send(batch!));
    }
    const done = new Promise<Hit>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.keys.push(key);
    if (batch.keys.length >= MAX_KEYS_PER_CALL) this.send(batch);
    return done;
  }

  private send(batch: Batch): void {
    if (this.filling.get(batch.ttlMs) !== batch) return; // sent already (it was full)
    this.filling.delete(batch.ttlMs);
    this.hits(batch.keys.length, ...batch.keys, batch.ttlMs)
      .then((out) => {
        if (out.length !== 2 * batch.keys.length)
          throw new Error(`rate-limit script answered ${out.length} values for ${batch.keys.length} keys`);
        batch.waiters.forEach((w, i) => w.resolve([out[2 * i], out[2 * i + 1]]));
      })
      // Every waiter is answered, whatever failed (a settled promise ignores the second call).
      .catch((err: Error) => batch.waiters.forEach((w) => w.reject(err)));
  }
}
