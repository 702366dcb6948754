import { decodeCodeView, encodeCodeView, type CodeView } from './code-view.js';
import type { RedisClient } from './redis.factory.js';

// Writes only when the stored version is older, so a late or repeated write never wins. A hold
// (`!<version>`, see `holdMany`) gives way only to a write of its version or a newer one.
const PUT_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local held = string.match(cur, '^!([0-9a-z]+)$')
  if held then
    if tonumber(held, 36) > tonumber(ARGV[1]) then return 0 end
  else
    local v = tonumber(string.match(cur, '^([0-9a-z]+)|'), 36)
    if v and v >= tonumber(ARGV[1]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

// Holds the key for a version about to be committed, unless a value as new is already there.
const HOLD = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^!?([0-9a-z]+)'), 36)
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], '!' .. ARGV[2], 'PX', ARGV[3])
return 1`;

/** How long a hold lasts when its write-through never comes (the transaction rolled back or its process died). */
export const CODE_HOLD_MS = 60_000;

type RedisWithPut = RedisClient & {
  hcPutIfNewer(key: string, version: string, value: string): Promise<number>;
  hcHoldCode(key: string, version: string, version36: string, ttlMs: string): Promise<number>;
};

/** The Redis read model of health codes: one small string per person. */
export class CodeCache {
  private readonly redis: RedisWithPut;

  constructor(redis: RedisClient, private readonly prefix: string) {
    redis.defineCommand('hcPutIfNewer', { numberOfKeys: 1, lua: PUT_IF_NEWER });
    redis.defineCommand('hcHoldCode', { numberOfKeys: 1, lua: HOLD });
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
   * DESIGN §2). A held key reads as a miss, so readers go to Postgres, and their fills of an older
   * version cannot replace it; the write-through of the held version (or a newer) ends the hold,
   * and `CODE_HOLD_MS` ends it when none comes.
   */
  async holdMany(codes: { userId: string; version: number }[]): Promise<void> {
    if (!codes.length) return;
    const hold = (r: RedisWithPut, c: { userId: string; version: number }) =>
      r.hcHoldCode(this.key(c.userId), String(c.version), c.version.toString(36), String(CODE_HOLD_MS));
    if (this.redis.isCluster) {
      await Promise.all(codes.map((c) => hold(this.redis, c)));
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const c of codes) hold(pipeline as unknown as RedisWithPut, c);
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
    if (this.redis.isCluster) return (await Promise.all(views.map((v) => this.put(v).catch(() => false)))).filter(Boolean).length;
    const pipeline = this.redis.pipeline();
    for (const v of views) (pipeline as unknown as RedisWithPut).hcPutIfNewer(this.key(v.userId), String(v.version), encodeCodeView(v));
    const results = (await pipeline.exec()) ?? [];
    return results.filter(([err, won]) => !err && won === 1).length;
  }

  /** Returns true when this write became the stored value. */
  async put(view: CodeView): Promise<boolean> {
    return (await this.redis.hcPutIfNewer(this.key(view.userId), String(view.version), encodeCodeView(view))) === 1;
  }
}
