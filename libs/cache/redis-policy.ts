/** The little of a Redis client this needs: ioredis's own, or BullMQ's wrapper around it. */
export interface RedisInfoClient {
  readonly isCluster: boolean;
  info(): Promise<string>;
  nodes?(): RedisInfoClient[];
}

/**
 * How many servers behind `client` run each maxmemory-policy: the one server, or every node of a
 * cluster (replicas too: any may be promoted). Read from INFO, which managed Redis services
 * answer where they refuse CONFIG GET.
 */
export async function maxmemoryPolicies(client: RedisInfoClient): Promise<Map<string, number>> {
  const servers = client.isCluster && client.nodes ? client.nodes() : [client];
  const policies = new Map<string, number>();
  for (const info of await Promise.all(servers.map((s) => s.info()))) {
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
    policies.set(policy, (policies.get(policy) ?? 0) + 1);
  }
  return policies;
}

/** What a Redis server is for: the queues and counters (REDIS_URL), or the code read model. */
export type RedisRole = 'queue' | 'cache';

/**
 * The queue Redis must never lose a key (an evicted job is work silently dropped, an evicted
 * counter a limit reopened); the cache's codes have no expiry, so only an allkeys-* policy lets
 * a full cache Redis make room instead of refusing writes.
 */
export const POLICY_FITS: Record<RedisRole, (policy: string) => boolean> = {
  queue: (policy) => policy === 'noeviction',
  cache: (policy) => policy.startsWith('allkeys-'),
};

const ROLE_SETTING: Record<RedisRole, string> = { queue: 'REDIS_URL', cache: 'CACHE_REDIS_URL' };

/** What is wrong with a server's policies for its role, in a sentence; null when they fit. */
export function policyProblem(role: RedisRole, policies: Map<string, number>): string | null {
  const wrong = [...policies.keys()].filter((p) => !POLICY_FITS[role](p));
  if (!wrong.length) return null;
  const must =
    role === 'queue'
      ? 'noeviction: it holds the jobs and the rate-limit and login counters, which eviction would erase'
      : 'allkeys-lru (or another allkeys-*)';
  return `the ${role} Redis (${ROLE_SETTING[role]}) runs maxmemory-policy ${wrong.join(', ')}: it must be ${must}`;
}
