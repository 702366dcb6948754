import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.factory.js';

// Extends the lock only while we still own it.
const REFRESH_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

type RebuildStateKey = 'complete' | 'lock' | 'cursor' | 'epoch';

/** The key of one part of the rebuild state (tests watch `complete` and `epoch`). */
export const rebuildStateKey = (prefix: string, name: RebuildStateKey): string => `${prefix}:{cache}:${name}`;

/**
 * What a rebuild of the code read model keeps, and where:
 * - on the queue Redis (`state`, never evicts): `lock`, one rebuilder at a time across all batch
 *   processes; `cursor`, `<run>:<last user id>`, so a rebuild resumes where a dead process
 *   stopped; `complete`, the run that last wrote every code;
 * - on the cache Redis itself: `epoch`, the run whose codes it holds. Losing the cache loses it,
 *   and with it the claim that the cache is complete (`complete` no longer matches) and the
 *   right to resume (a rebuild starts over). Every check and every page reads it, so an LRU
 *   policy keeps it; evicted anyway, it costs a rebuild, never a wrong answer.
 * The queue keys share the hash tag `{cache}`, so on a Redis Cluster the scripts that read one
 * and write another stay atomic. With one Redis for both, `state` and `cache` are one client.
 */
export class RebuildState {
  readonly owner = randomUUID();

  constructor(
    private readonly state: RedisClient,
    private readonly cache: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(name: RebuildStateKey): string {
    return rebuildStateKey(this.prefix, name);
  }

  private epoch(): Promise<string | null> {
    return this.cache.get(this.key('epoch'));
  }

  async isComplete(): Promise<boolean> {
    const [done, epoch] = await Promise.all([this.state.get(this.key('complete')), this.epoch()]);
    return done !== null && done === epoch;
  }

  async tryLock(ttlMs: number): Promise<boolean> {
    return (await this.state.set(this.key('lock'), this.owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async refreshLock(ttlMs: number): Promise<boolean> {
    return (await this.state.eval(REFRESH_LOCK, 1, this.key('lock'), this.owner, String(ttlMs))) === 1;
  }

  async unlock(): Promise<void> {
    if ((await this.state.get(this.key('lock'))) === this.owner) await this.state.del(this.key('lock'));
  }

  /** The run to continue and its last user id; a new run from the start when there is none or the cache lost it. */
  async readCursor(): Promise<{ run: string; afterUserId: string; resumed: boolean }> {
    const raw = await this.state.get(this.key('cursor'));
    const [run, afterUserId] = raw?.split(':') ?? [];
    if (run && afterUserId && (await this.epoch()) === run) return { run, afterUserId, resumed: true };
    const fresh = { run: randomUUID(), afterUserId: '0' };
    await this.cache.set(this.key('epoch'), fresh.run);
    await this.state.set(this.key('cursor'), `${fresh.run}:0`);
    return { ...fresh, resumed: false };
  }

  /** Moves the cursor; false when the cache lost the run's epoch (emptied again: start over) or another run took over. */
  async advance(run: string, from: string, to: string): Promise<boolean> {
    if ((await this.epoch()) !== run) return false;
    const moved = await this.state.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`,
      1,
      this.key('cursor'),
      `${run}:${from}`,
      `${run}:${to}`,
    );
    return moved === 1;
  }

  async markComplete(run: string, last: string): Promise<boolean> {
    if ((await this.epoch()) !== run) return false;
    const done = await this.state.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) redis.call('DEL', KEYS[1]) return 1 end return 0`,
      2,
      this.key('cursor'),
      this.key('complete'),
      `${run}:${last}`,
      run,
    );
    return done === 1;
  }
}
