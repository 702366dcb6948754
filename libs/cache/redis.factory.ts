import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from '#libs/config/index.js';

/** A connection to one Redis or to a Redis Cluster (REDIS_URL / CACHE_REDIS_URL say which). */
export type RedisClient = Redis | Cluster;

function targetOf(url: string): RedisTarget {
  const target = parseRedisUrl(url);
  if (!target) throw new Error('not a redis://, rediss:// or redis+cluster:// URL');
  return target;
}

/** A Cluster client from seed nodes; `node` applies to the connection to each node. */
function clusterClient(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  node: ClusterOptions['redisOptions'],
  options: ClusterOptions,
): Cluster {
  return new Cluster(target.nodes, {
    ...options,
    redisOptions: {
      ...node,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

/**
 * Cache connections fail fast: with no offline queue a command errors at once while Redis is
 * away, so the read path can fall through to Postgres instead of waiting. On a cluster every
 * command goes to the node owning its key's slot (reads from masters: a replica may be behind).
 */
export function createCacheRedis(url: string): RedisClient {
  const target = targetOf(url);
  const node: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 1_000 };
  const retry = (attempt: number) => Math.min(attempt * 200, 2_000);
  if (target.kind === 'single')
    return new Redis(target.url, {
      ...node,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: retry,
    });
  return clusterClient(target, node, {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    scaleReads: 'master',
    clusterRetryStrategy: retry,
  });
}

/** What BullMQ gets as its connection: options for one Redis, or a Cluster client it shares (and duplicates for workers). */
export type QueueConnection = { url: string; maxRetriesPerRequest: null; enableReadyCheck: boolean } | Cluster;

/**
 * BullMQ workers must wait for Redis, never give up on a command. A Cluster client passed here
 * is not closed by BullMQ: its owner quits it after the queues closed.
 */
export function queueConnectionOptions(url: string): QueueConnection {
  const target = targetOf(url);
  if (target.kind === 'single') return { url: target.url, maxRetriesPerRequest: null, enableReadyCheck: true };
  return clusterClient(target, { maxRetriesPerRequest: null }, { enableReadyCheck: true });
}

/**
 * Resolves once the connection is up (a cache connection refuses commands before that, having no
 * offline queue): for a short-lived process whose first command must not fail. Rejects after
 * `timeoutMs`.
 */
export async function whenReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}
