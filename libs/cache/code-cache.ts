import { decodeCodeView, encodeCodeView, type CodeView } from './code-view.js';
import type { RedisClient } from './redis.factory.js';

// Writes only when the stored version is older, so a late or repeated write never wins.
const PUT_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^([0-9a-z]+)|'), 36)
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

type RedisWithPut = RedisClient & { hcPutIfNewer(key: string, version: string, value: string): Promise<number> };

/** The Redis read model of health codes: one small string per person. */
export class CodeCache {
  private readonly redis: RedisWithPut;

  constructor(redis: RedisClient, private readonly prefix: string) {
    redis.defineCommand('hcPutIfNewer', { numberOfKeys: 1, lua: PUT_IF_NEWER });
    this.redis = redis as RedisWithPut;
  }

  key(userId: string): string {
    return `${this.prefix}:code:${userId}`;
  }

  async get(userId: string): Promise<CodeView | null> {
    const raw = await this.redis.get(this.key(userId));
    return raw === null ? null : decodeCodeView(userId, raw);
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
