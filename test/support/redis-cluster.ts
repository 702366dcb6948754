import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './apps.js';
import { killRedisServer, redisBinary, spawnRedisServer, waitForRedis } from './redis-server.js';

const run = promisify(execFile);

/**
 * A Redis Cluster of the test's own on loopback: `nodes` masters (no replicas) with their
 * cluster state in a temporary folder, the slots spread by `redis-cli --cluster create`.
 * In memory only; `stop` kills the servers and removes the folder.
 */
export class TestRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
    private readonly dir: string,
  ) {}

  static async start(nodes = 3): Promise<TestRedisCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hc-redis-cluster-'));
    const ports: number[] = [];
    const children: ChildProcess[] = [];
    const cluster = new TestRedisCluster(ports, children, dir);
    try {
      for (let i = 0; i < nodes; i++) {
        // The cluster bus port is set explicitly: the default (port + 10000) may be taken or out of range.
        const [port, busPort] = [await freePort(), await freePort()];
        ports.push(port);
        children.push(
          spawnRedisServer(
            [
              '--port',
              String(port),
              '--cluster-enabled',
              'yes',
              '--cluster-port',
              String(busPort),
              '--cluster-config-file',
              `nodes-${port}.conf`,
              '--cluster-node-timeout',
              '5000',
            ],
            dir,
          ),
        );
      }
      for (const port of ports) await waitForRedis(port);
      await run(
        redisBinary('redis-cli'),
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 30_000 },
      );
      for (const port of ports) await cluster.waitForState(port);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** The REDIS_URL naming every node (the apps discover the slots from any of them). */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  /** A client of the cluster, for a test to look at the keys. */
  client(): Cluster {
    return new Cluster(this.ports.map((port) => ({ host: '127.0.0.1', port })));
  }

  /** How many keys each node holds, node by node. */
  async keysPerNode(): Promise<number[]> {
    return Promise.all(
      this.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        try {
          return await node.dbsize();
        } finally {
          node.disconnect();
        }
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(killRedisServer));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Until the node sees every slot served (`cluster_state:ok`). */
  private async waitForState(port: number): Promise<void> {
    const node = new Redis(port, '127.0.0.1');
    try {
      for (let i = 0; i < 200; i++) {
        if (String(await node.cluster('INFO')).includes('cluster_state:ok')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the Redis Cluster node on ${port} did not reach cluster_state:ok`);
    } finally {
      node.disconnect();
    }
  }
}
