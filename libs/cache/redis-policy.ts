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
