import { decodeCodeView, encodeCodeBody, encodeVersions, type CodeView } from './code-view.js';
import type { RedisClient } from './redis.factory.js';

// Both scripts take any number of keys (one cluster slot: one key there) with their arguments
// in turn, so a batch of codes is one command instead of one per code.
//
// An entry carries two versions, each only ever moving forward: the code's and the person's
// token version (`v[.t]`, t left out while 0). A write takes each part that is newer than the
// stored one: a newer code keeps a newer token version already stored, and a newer token version
// keeps a newer code; so a fill read before a revocation can never bring the revoked tokens back.

// ARGV per key: version, version in base 36, token version, token version in base 36, the value
// after its versions (encodeCodeBody). A hold (`!<v>[.<t>]`, see `holdMany`) gives way only to a
// write of both its versions or newer. Returns how many keys changed.
const PUT_IF_NEWER = `
local function put(key, v, v36, t, t36, body)
  local cur = redis.call('GET', key)
  if cur then
    local hold, cv36, ct36 = string.match(cur, '^(!?)([0-9a-z]+)%.?([0-9a-z]*)')
    if cv36 then
      local cv = tonumber(cv36, 36)
      local ct = 0
      if ct36 ~= '' then ct = tonumber(ct36, 36) end
      if hold == '!' then
        if cv > v or ct > t then return 0 end
      else
        if v <= cv and t <= ct then return 0 end
        if v <= cv then
          v36 = cv36
          body = string.sub(cur, string.find(cur, '|', 1, true) + 1)
        elseif ct > t then
          t = ct
          t36 = ct36
        end
      end
    end
  end
  local versions = v36
  if t > 0 then versions = v36 .. '.' .. t36 end
  redis.call('SET', key, versions .. '|' .. body)
  return 1
end
local n = 0
for i, key in ipairs(KEYS) do
  local a = 5 * i - 4
  n = n + put(key, tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4])
end
return n`;

// Holds a key for versions about to be committed, unless an entry at least as new in both is
// already there. ARGV: the hold's lifetime in ms, then per key: version, token version, the hold.
const HOLD = `
local function hold(key, v, t, marker)
  local cur = redis.call('GET', key)
  if cur then
    local cv36, ct36 = string.match(cur, '^!?([0-9a-z]+)%.?([0-9a-z]*)')
    if cv36 then
      local ct = 0
      if ct36 ~= '' then ct = tonumber(ct36, 36) end
      if tonumber(cv36, 36) >= v and ct >= t then return end
    end
  end
  redis.call('SET', key, marker, 'PX', ARGV[1])
end
for i, key in ipairs(KEYS) do
  local a = 3 * i - 1
  hold(key, tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2])
end
return 0`;

/** The script arguments of one code's write: see PUT_IF_NEWER. */
const putArgs = (v: CodeView): (string | number)[] => [
  v.version,
  v.version.toString(36),
  v.tokenVersion,
  v.tokenVersion.toString(36),
  encodeCodeBody(v),
];

/** The versions a hold waits for: a code version about to be committed, and a token version (default 0). */
export interface CodeHold {
  userId: string;
  version: number;
  tokenVersion?: number;
}

const holdArgs = (h: CodeHold): (string | number)[] => [
  h.version,
  h.tokenVersion ?? 0,
  `!${encodeVersions(h.version, h.tokenVersion ?? 0)}`,
];

/** Keys per script call: a script blocks Redis while it runs, so a large batch is cut into several (pipelined). */
const KEYS_PER_CALL = 500;

/** How long a hold lasts when its write-through never comes (the transaction rolled back or its process died). */
export const CODE_HOLD_MS = 60_000;

// `...Many`: the number of keys, the keys, then ARGV. One key (a cluster: its auto-pipelining
// routes a command by its first argument): the key, then ARGV.
type RedisWithPut = RedisClient & {
  hcPutIfNewer(key: string, ...args: (string | number)[]): Promise<number>;
  hcPutIfNewerMany(...args: (string | number)[]): Promise<number>;
  hcHoldCode(key: string, ttlMs: number, ...args: (string | number)[]): Promise<number>;
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
   * version (or a newer) ends the hold, and `CODE_HOLD_MS` ends it when none comes. A revocation
   * holds the current code version with the next token version: from then on no entry with the
   * old token version can answer.
   */
  async holdMany(codes: CodeHold[]): Promise<void> {
    if (!codes.length) return;
    if (this.redis.isCluster) {
      await Promise.all(codes.map((c) => this.redis.hcHoldCode(this.key(c.userId), CODE_HOLD_MS, ...holdArgs(c))));
      return;
    }
    const pipeline = this.redis.pipeline() as unknown as RedisWithPut & ReturnType<RedisClient['pipeline']>;
    for (const batch of slices(codes, KEYS_PER_CALL)) {
      void pipeline.hcHoldCodesMany(
        batch.length,
        ...batch.map((c) => this.key(c.userId)),
        CODE_HOLD_MS,
        ...batch.flatMap(holdArgs),
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
      void pipeline.hcPutIfNewerMany(batch.length, ...batch.map((v) => this.key(v.userId)), ...batch.flatMap(putArgs));
    }
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((n, [err, won]) => n + (err ? 0 : Number(won)), 0);
  }

  /** Returns true when this write changed the stored value. */
  async put(view: CodeView): Promise<boolean> {
    return (await this.redis.hcPutIfNewer(this.key(view.userId), ...putArgs(view))) === 1;
  }
}
