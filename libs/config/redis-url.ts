/** Where a Redis is: one server (a redis:// URL, as ioredis takes it) or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

const SINGLE = /^rediss?:\/\//;
const CLUSTER = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/;
const NODE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses REDIS_URL / CACHE_REDIS_URL: `redis[s]://...` is one server; `redis[s]+cluster://[user:password@]host:port,host:port,...`
 * names some nodes of a Redis Cluster (the client discovers the rest). Returns null for anything else.
 */
export function parseRedisUrl(url: string): RedisTarget | null {
  const cluster = CLUSTER.exec(url);
  if (cluster) {
    const [, scheme, auth, hosts] = cluster;
    const nodes = hosts.split(',').map((h) => NODE.exec(h));
    if (nodes.some((n) => !n || Number(n[2]) < 1 || Number(n[2]) > 65535)) return null;
    const [username, password] = auth ? auth.split(':').map(decodeURIComponent) : [];
    return {
      kind: 'cluster',
      nodes: nodes.map((n) => ({ host: n![1].replace(/^\[|\]$/g, ''), port: Number(n![2]) })),
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      tls: scheme === 'rediss',
    };
  }
  return SINGLE.test(url) ? { kind: 'single', url } : null;
}
