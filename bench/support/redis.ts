import { Redis } from 'ioredis';
import { queuePrefix } from '#libs/queue/index.js';

/**
 * Deletes every key of an app key prefix: the code read model (`<prefix>:...`) and the BullMQ
 * queues (`{<prefix>-bull}:...`). Only ever called with the bench's own prefix.
 */
export async function clearKeyPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let deleted = 0;
  try {
    for (const pattern of [`${prefix}:*`, `${queuePrefix(prefix)}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
        if (keys.length) deleted += await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** The pid of the Redis server when it runs on this machine (for its CPU use), else null. */
export async function localRedisPid(redisUrl: string): Promise<number | null> {
  const host = new URL(redisUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return null;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const pid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
    return pid ? Number(pid) : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** A field of Redis INFO (`section`), as text; null when missing. */
export async function redisInfo(redisUrl: string, section: string, field: string): Promise<string | null> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    return new RegExp(`^${field}:(.*)$`, 'm').exec(await redis.info(section))?.[1]?.trim() ?? null;
  } finally {
    redis.disconnect();
  }
}

/** Redis's used_memory in bytes (what its data and overhead take, without the allocator's slack). */
export async function redisUsedMemory(redisUrl: string): Promise<number> {
  return Number(await redisInfo(redisUrl, 'memory', 'used_memory'));
}

/**
 * Waits (up to `timeoutMs`) until Redis rewrites no append-only file and saves no snapshot: a
 * rewrite forks the server and writes the whole data set, triggered by a large fill, and would
 * share the cores with a measurement started meanwhile. Returns the seconds waited.
 */
export async function waitForRedisPersistence(redisUrl: string, timeoutMs = 10 * 60_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const busy = await Promise.all([
      redisInfo(redisUrl, 'persistence', 'aof_rewrite_in_progress'),
      redisInfo(redisUrl, 'persistence', 'rdb_bgsave_in_progress'),
    ]);
    if (busy.every((v) => v !== '1') || Date.now() - t0 > timeoutMs) return (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 500));
  }
}
