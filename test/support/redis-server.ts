import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './apps.js';

/**
 * A Redis of the test's own (for FLUSHALL and restarts that must not touch the Redis the other
 * tests share). In memory only. redis-server is on the machine: `npm test` made sure of it.
 */
export class TestRedisServer {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again), empty. */
  async restart(): Promise<void> {
    if (this.child) return;
    this.child = spawnRedisServer(['--port', String(this.port)]);
    await waitForRedis(this.port);
  }

  async flushAll(): Promise<void> {
    const client = new Redis(this.url);
    await client.flushall();
    await client.quit();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await killRedisServer(child);
  }
}

/** The machine's redis-server (`npm test` made sure there is one). */
export function redisBinary(name: 'redis-server' | 'redis-cli'): string {
  const found = spawnSync('sh', [
    '-c',
    `command -v ${name} || ls /usr/bin/${name} /usr/sbin/${name} 2>/dev/null | head -1`,
  ])
    .stdout.toString()
    .trim();
  return found || name;
}

/** A redis-server on loopback, in memory only, with `args` added (port, cluster settings...). */
export function spawnRedisServer(args: string[], cwd?: string): ChildProcess {
  return spawn(redisBinary('redis-server'), ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: 'ignore',
    cwd,
  });
}

/** Waits until the Redis on `port` answers PING. */
export async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const ok = await client.connect().then(
      () => client.ping(),
      () => null,
    );
    client.disconnect();
    if (ok === 'PONG') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on ${port}`);
}

export async function killRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}
