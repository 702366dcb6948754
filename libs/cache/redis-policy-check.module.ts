import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CACHE_REDIS, COUNTER_REDIS } from './cache.module.js';
import { maxmemoryPolicies, policyProblem, type RedisRole } from './redis-policy.js';
import { whenReady, type RedisClient } from './redis.factory.js';

/** How long a start waits for a server to answer before it goes on without its reading. */
const START_WAIT_MS = 5_000;

const REDIS_POLICIES_CHECKED = Symbol('REDIS_POLICIES_CHECKED');

/**
 * Reads each Redis server's maxmemory-policy before an app starts: a queue Redis that may evict
 * stops it (its jobs and counters would vanish without a trace); a cache Redis that cannot evict
 * is a warning (a full cache refuses writes, and reads fall through to Postgres). A server that
 * does not answer in time is a warning too: the app starts, and the batch app's reading every
 * minute (hc_redis_maxmemory_policy, alerts) covers it from then on.
 */
export async function checkRedisPoliciesAtStart(
  config: Pick<AppConfig, 'redisUrl' | 'cacheRedisUrl'>,
  clients: Record<RedisRole, RedisClient>,
  log: Pick<Logger, 'warn'>,
  waitMs = START_WAIT_MS,
): Promise<void> {
  const roles: RedisRole[] = config.cacheRedisUrl === config.redisUrl ? ['queue'] : ['queue', 'cache'];
  const problems = await Promise.all(
    roles.map(async (role) => {
      try {
        await whenReady(clients[role], waitMs);
        return { role, problem: policyProblem(role, await maxmemoryPolicies(clients[role])) };
      } catch (err) {
        log.warn(`the maxmemory-policy of the ${role} Redis was not read at start: ${(err as Error).message}`);
        return { role, problem: null };
      }
    }),
  );
  for (const { role, problem } of problems) {
    if (!problem) continue;
    if (role === 'queue') throw new Error(`${problem} (docs/operations.md, Redis)`);
    log.warn(problem);
  }
}

/** The check above as a step of an app's start (api, ingest, batch). */
@Module({
  providers: [
    {
      provide: REDIS_POLICIES_CHECKED,
      inject: [APP_CONFIG, COUNTER_REDIS, CACHE_REDIS],
      useFactory: async (config: AppConfig, queue: RedisClient, cache: RedisClient) => {
        await checkRedisPoliciesAtStart(config, { queue, cache }, new Logger('RedisPolicies'));
        return true;
      },
    },
  ],
})
export class RedisPolicyCheckModule {}
