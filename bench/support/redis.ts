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
