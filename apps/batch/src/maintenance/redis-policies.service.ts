import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import {
  CACHE_REDIS,
  maxmemoryPolicies,
  policyProblem,
  type RedisClient,
  type RedisInfoClient,
  type RedisRole as Role,
} from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { TRACING_QUEUE } from '#libs/queue/index.js';

const CHECK_EVERY_MS = 60_000;

const servers = new Gauge({
  name: 'hc_redis_maxmemory_policy',
  help: 'Redis servers by role and maxmemory-policy: queue (REDIS_URL) must be noeviction, cache (CACHE_REDIS_URL, when another server) allkeys-*',
  labelNames: ['role', 'policy'],
});

/**
 * Reads each Redis server's maxmemory-policy at start and every minute (a restart or a failover
 * may bring another configuration) into `hc_redis_maxmemory_policy`, and warns in the log when
 * one does not fit its role. A cache on the queue's server is the queue's: noeviction wins.
 */
@Injectable()
export class RedisPolicies implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisPolicies.name);
  private readonly last = new Map<Role, Map<string, number>>();
  private readonly reading = new Map<Role, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CACHE_REDIS) private readonly cache: RedisClient,
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    void this.check();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * One reading of every server. Each role is read on its own: the queue's client waits for a
   * server that is away (BullMQ never gives up a command), which must not hold the cache's back.
   */
  async check(): Promise<void> {
    // The queue's own connection (BullMQ's client), so it is the server the jobs are on.
    const roles: [Role, () => Promise<RedisInfoClient>][] = [['queue', () => this.queue.getBackend().client]];
    if (this.config.cacheRedisUrl !== this.config.redisUrl) roles.push(['cache', () => Promise.resolve(this.cache)]);
    await Promise.all(
      roles.map(([role, client]) => {
        let reading = this.reading.get(role);
        if (!reading) {
          reading = this.read(role, client).finally(() => this.reading.delete(role));
          this.reading.set(role, reading);
        }
        return reading;
      }),
    );
  }

  /** A server that does not answer keeps its last reading. */
  private async read(role: Role, client: () => Promise<RedisInfoClient>): Promise<void> {
    try {
      const policies = await maxmemoryPolicies(await client());
      const problem = policyProblem(role, policies);
      const said = (m?: Map<string, number>) => JSON.stringify([...(m ?? [])].sort());
      if (problem && said(policies) !== said(this.last.get(role))) this.logger.warn(problem);
      this.last.set(role, policies);
    } catch (err) {
      this.logger.debug(`maxmemory-policy of the ${role} Redis not read: ${(err as Error).message}`);
      return;
    }
    servers.reset();
    for (const [r, policies] of this.last) for (const [policy, n] of policies) servers.set({ role: r, policy }, n);
  }
}
