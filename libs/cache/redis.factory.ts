import { Redis } from 'ioredis';

/**
 * Cache connections fail fast: with no offline queue a command errors at once while Redis is
 * away, so the read path can fall through to Postgres instead of waiting.
 */
export function createCacheRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** Options for BullMQ workers: they must wait for Redis, never give up on a command. */
export function queueConnectionOptions(url: string): { url: string; maxRetriesPerRequest: null; enableReadyCheck: boolean } {
  return { url, maxRetriesPerRequest: null, enableReadyCheck: true };
}
