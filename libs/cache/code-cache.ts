import { decodeCodeView, encodeCodeView, type CodeView } from './code-view.js';
import type { RedisClient } from './redis.factory.js';

// Both scripts take any number of keys (one cluster slot: one key there) with their arguments
// in turn, so a batch of codes is one command instead of one per code.

// Writes only when the stored version is older, so a late or repeated write never wins. A hold
// (`!<version>`, see `holdMany`) gives way only to a write of its version or a newer one.
// ARGV: version, value per key. Returns how many keys took their value.
const PUT_IF_NEWER = `
local function put(key, version, value)
  local cur = redis.call('GET', key)
  if cur then
    local held = string.match(cur, '^!([0-9a-z]+)$')
    if held then
      if tonumber(held, 36) > version then return 0 end
    else
      local v = tonumber(string.match(cur, '^([0-9a-z]+)|'), 36)
      if v and v >= version then return 0 end
    end
  end
  redis.call('SET', key, value)
  return 1
end
local n = 0
for i, key in ipairs(KEYS) do n = n + put(key, tonumber(ARGV[2 * i - 1]), ARGV[2 * i]) end
return n`;

// Holds a key for a version about to be committed, unless a value as new is already there.
// ARGV: the hold's lifetime in ms, then version, version in base 36 per key.
const HOLD = `
local function hold(key, version, version36)
  local cur = redis.call('GET', key)
  if cur then
    local v = tonumber(string.match(cur, '^!?([0-9a-z]+)'), 36)
    if v and v >= version then return end
  end
  redis.call('SET', key, '!' .. version36, 'PX', ARGV[1])
end
for i, key in ipairs(KEYS) do hold(key, tonumber(ARGV[2 * i]), ARGV[2 * i + 1]) end
return 0`;

/** Keys per script call: a script blocks Redis while it runs, so a large batch is cut into several (pipelined). */
const KEYS_PER_CALL = 500;

/** How long a hold lasts when its write-through never comes (the transaction rolled back or its process died). */
export const CODE_HOLD_MS = 60_000;

// `...Many`: the number of keys, the keys, then ARGV. One key (a cluster: its auto-pipelining
// routes a command by its first argument): the key, then ARGV.
type RedisWithPut = RedisClient & {
  hcPutIfNewer(key: string, version: number, value: string): Promise<number>;
  hcPutIfNewerMany(...args: (string | number)[]): Promise<number>;
  hcHoldCode(key: string, ttlMs: number, version: number, version36: string): Promise<number>;
  hcHoldCodesMany(...args: (string | number)[]): Promise<number>;
};

/** Consecutive slices of at most `size` items. */
const slices = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The Redis read model of health codes: one small string per person. */
export class CodeCache {
  private readonly redis: RedisWithPut;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    redis.defineCommand('hcPutIfNewer', { numberOfKeys: 1, lua: PUT_IF_NEWER });
    redis.defineCommand('hcPutIfNewerMany', { lua: PUT_IF_NEWER });
    redis.defineCommand('hcHoldCode', { numberOfKeys: 1, lua: HOLD });
    redis.defineCommand('hcHoldCodesMany', { lua: HOLD });
    this.redis = redis as RedisWithPut;
  }

  key(userId: string): string {
    return `${this.prefix}:code:${userId}`;
  }

  /** The stored code; null on a miss or a hold (the reader then asks Postgres). */
  async get(userId: string): Promise<CodeView | null> {
    const raw = await this.redis.get(this.key(userId));
    return raw === null ? null : decodeCodeView(userId, raw);
  }

  /**
   * Called by a writer before it commits new versions: from the commit to its write-through, the
   * old value would still answer reads (a green for someone Postgres already holds at risk,
   * against the safety invariant of docs/domain.md). A held key reads as a miss, so readers go to
   * Postgres, and their fills of an older version cannot replace it; the write-through of the held
   * version (or a newer) ends the hold, and `CODE_HOLD_MS` ends it when none comes.
   */
  async holdMany(codes: { userId: string; version: number }[]): Promise<void> {
    if (!codes.length) return;
    if (this.redis.isCluster) {
      await Promise.all(
        codes.map((c) => this.redis.hcHoldCode(this.key(c.userId), CODE_HOLD_MS, c.version, c.version.toString(36))),
      );
      return;
    }
    const pipeline = this.redis.pipeline() as unknown as RedisWithPut & ReturnType<RedisClient['pipeline']>;
    for (const batch of slices(codes, KEYS_PER_CALL)) {
      void pipeline.hcHoldCodesMany(
        batch.length,
        ...batch.map((c) => this.key(c.userId)),
        CODE_HOLD_MS,
        ...batch.flatMap((c) => [c.version, c.version.toString(36)]),
      );
    }
    const failed = ((await pipeline.exec()) ?? []).find(([err]) => err);
    if (failed) throw failed[0];
  }

  async drop(userId: string): Promise<void> {
    await this.redis.del(this.key(userId));
  }

  /**
   * Versioned writes of many codes in one round trip; returns how many became the stored value.
   * A cluster pipeline must stay on one node, so there each write is sent on its own and the
   * client's auto-pipelining batches them per node.
   */
  async putMany(views: CodeView[]): Promise<number> {
    if (!views.length) return 0;
    if (this.redis.isCluster)
      return (await Promise.all(views.map((v) => this.put(v).catch(() => false)))).filter(Boolean).length;
    const pipeline = this.redis.pipeline() as unknown as RedisWithPut & ReturnType<RedisClient['pipeline']>;
    for (const batch of slices(views, KEYS_PER_CALL)) {
      void pipeline.hcPutIfNewerMany(
        batch.length,
        ...batch.map((v) => this.key(v.userId)),
        ...batch.flatMap((v) => [v.version, encodeCodeView(v)]),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((n, [err, won]) => n + (err ? 0 : Number(won)), 0);
  }

  /** Returns true when this write became the stored value. */
  async put(view: CodeView): Promise<boolean> {
    return (await this.redis.hcPutIfNewer(this.key(view.userId), view.version, encodeCodeView(view))) === 1;
  }
}
