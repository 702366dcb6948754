import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClient } from './redis.factory.js';

// A fixed window per key: the first hit starts it, later hits count within it.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { hits, redis.call('PTTL', KEYS[1]) }`;

/**
 * Rate-limit counters shared by every process (api and ingest are stateless and scaled out),
 * kept in Redis. If Redis is unreachable the limit is not enforced rather than failing the
 * request: registration and pings matter more than the limit.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);

  private readonly hit: (key: string, ttlMs: string) => Promise<[number, number]>;

  constructor(redis: RedisClient, private readonly prefix: string) {
    // A defined command runs by EVALSHA (the script is sent once, not with every request).
    redis.defineCommand('hcRateLimitHit', { numberOfKeys: 1, lua: HIT });
    this.hit = (redis as unknown as { hcRateLimitHit: RedisThrottlerStorage['hit'] }).hcRateLimitHit.bind(redis);
  }

  async increment(key: string, ttlMs: number, limit: number): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }> {
    try {
      const [hits, pttl] = await this.hit(`${this.prefix}:rl:${key}`, String(ttlMs));
      const seconds = Math.max(1, Math.ceil(pttl / 1000));
      return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: hits > limit ? seconds : 0 };
    } catch (err) {
      this.logger.warn(`rate limit not enforced, Redis unavailable: ${(err as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
