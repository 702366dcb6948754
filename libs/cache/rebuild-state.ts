import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.factory.js';

// Extends the lock only while we still own it.
const REFRESH_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

type RebuildStateKey = 'complete' | 'lock' | 'cursor';

/** The key of one part of the rebuild state (tests watch `complete`). */
export const rebuildStateKey = (prefix: string, name: RebuildStateKey): string => `${prefix}:{cache}:${name}`;

/**
 * What a rebuild of the code read model keeps in the cache Redis itself, so that losing that
 * Redis also loses the claim that it is complete:
 * - `complete`: set when every code has been written since the cache was last empty;
 * - `lock`: one rebuilder at a time across all batch processes;
 * - `cursor`: `<run>:<last user id>`, so a rebuild resumes where a dead process stopped, and
 *   restarts from the beginning when the cache was flushed again mid-way (the cursor is gone).
 * The keys share the hash tag `{cache}`, so on a Redis Cluster they live in one slot and the
 * scripts that read one and write another stay atomic.
 */
export class RebuildState {
  readonly owner = randomUUID();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(name: RebuildStateKey): string {
    return rebuildStateKey(this.prefix, name);
  }

  async isComplete(): Promise<boolean> {
    return (await this.redis.exists(this.key('complete'))) === 1;
  }

  async tryLock(ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('lock'), this.owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async refreshLock(ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(REFRESH_LOCK, 1, this.key('lock'), this.owner, String(ttlMs))) === 1;
  }

  async unlock(): Promise<void> {
    if ((await this.redis.get(this.key('lock'))) === this.owner) await this.redis.del(this.key('lock'));
  }

  /** The run to continue and its last user id; a new run from the start when there is none. */
  async readCursor(): Promise<{ run: string; afterUserId: string; resumed: boolean }> {
    const raw = await this.redis.get(this.key('cursor'));
    const [run, afterUserId] = raw?.split(':') ?? [];
    if (run && afterUserId) return { run, afterUserId, resumed: true };
    const fresh = { run: randomUUID(), afterUserId: '0' };
    await this.redis.set(this.key('cursor'), `${fresh.run}:0`);
    return { ...fresh, resumed: false };
  }

  /** Moves the cursor; false when it vanished (the cache was flushed again: start over). */
  async advance(run: string, from: string, to: string): Promise<boolean> {
    const moved = await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`,
      1,
      this.key('cursor'),
      `${run}:${from}`,
      `${run}:${to}`,
    );
    return moved === 1;
  }

  async markComplete(run: string, last: string): Promise<boolean> {
    const done = await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) redis.call('DEL', KEYS[1]) return 1 end return 0`,
      2,
      this.key('cursor'),
      this.key('complete'),
      `${run}:${last}`,
      new Date().toISOString(),
    );
    return done === 1;
  }
}
