import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { KnownTrack, TrackPing } from '#libs/domain/index.js';
import type { RedisClient } from './redis.factory.js';

// One hash per person, `<prefix>:track:<userId>`: field `p` is the newest ping kept
// (`<ts base 36>|<position>|<accuracy>`), and a field per recent slot (its id in base 36) counts the
// person's pings in it. The hash expires when the person stays silent for the horizon.

// KEYS: tracks. ARGV[1]: expiry (ms); ARGV[2]: the oldest slot counted; ARGV[3]: fields past
// which older slots are dropped; ARGV[3 + i]: key i's pings per slot, `slot:n,...`. Each count is
// taken (reserved) in the same step that reads it, so concurrent batches of one person cannot
// all see room in a slot. Answers per key: the newest ping, then each slot's count before.
const RESERVE = `
local out = {}
for i, key in ipairs(KEYS) do
  local row = { redis.call('HGET', key, 'p') or '' }
  for slot, n in string.gmatch(ARGV[3 + i], '(%w+):(%d+)') do
    row[#row + 1] = redis.call('HINCRBY', key, slot, n) - tonumber(n)
  end
  if redis.call('HLEN', key) > tonumber(ARGV[3]) then
    local oldest = tonumber(ARGV[2])
    for _, field in ipairs(redis.call('HKEYS', key)) do
      if field ~= 'p' and tonumber(field, 36) < oldest then redis.call('HDEL', key, field) end
    end
  end
  redis.call('PEXPIRE', key, ARGV[1])
  out[i] = row
end
return out`;

// KEYS: tracks. ARGV[1]: expiry (ms); ARGV[1 + i]: `<newest>;<slot:n,...>`, the newest ping kept
// (empty for none; stored only if newer than the one there) and the counts given back (pings
// reserved but not stored).
const SETTLE = `
for i, key in ipairs(KEYS) do
  local newest, back = string.match(ARGV[1 + i], '^([^;]*);(.*)$')
  if newest ~= '' then
    local stored = redis.call('HGET', key, 'p')
    if not stored or tonumber(string.match(stored, '^%w+'), 36) < tonumber(string.match(newest, '^%w+'), 36) then
      redis.call('HSET', key, 'p', newest)
    end
  end
  for slot, n in string.gmatch(back, '(%w+):(%d+)') do
    if redis.call('HINCRBY', key, slot, -tonumber(n)) <= 0 then redis.call('HDEL', key, slot) end
  end
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS`;

/** Keys one script call takes at most (Redis runs nothing else meanwhile). */
const MAX_KEYS_PER_CALL = 500;
const WARN_EVERY_MS = 10_000;

export interface TrackReservation {
  known: KnownTrack;
  /** Whether Redis took the reservation (false while Redis is unreachable: nothing is known, nothing to give back). */
  reserved: boolean;
}

export interface PingTrackLimits {
  /** How long a person's track is kept after their last batch, and how far back slots are counted. */
  horizonMs: number;
  /** The number of slots in the horizon (older slot fields are dropped once a track holds twice as many). */
  horizonSlots: number;
}

type Script = (numberOfKeys: number, ...keysThenArgs: string[]) => Promise<unknown>;
type OneKeyScript = (key: string, ...args: string[]) => Promise<unknown>;

/**
 * What ingest knows of each person's recent pings, in Redis (shared by every process, no Postgres
 * query on the hot path): the newest ping kept and the pings counted per recent slot, for the
 * plausibility rule (libs/domain/ping-plausibility.ts). A batch reserves its pings' slots and
 * reads the newest ping in one script call, sent beside the rate-limit hit; once judged, it
 * records its newest kept ping and gives back what it did not store, without waiting. As with the
 * rate limit, the calls of one event-loop turn go together (one call per key on a Cluster), and
 * while Redis is unreachable nothing is known: each batch is judged on its own.
 */
export class PingTracks {
  private readonly logger = new Logger(PingTracks.name);
  private readonly reserveMany: Script;
  private readonly reserveOne: OneKeyScript;
  private readonly settleMany: Script;
  private readonly settleOne: OneKeyScript;
  private readonly batched: boolean;
  private reserving: { keys: string[]; args: string[]; oldest: number; waiters: ((row: unknown) => void)[] } | null =
    null;
  private settling: { keys: string[]; args: string[] } | null = null;
  private warnedAt = -Infinity;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly limits: PingTrackLimits,
  ) {
    redis.defineCommand('hcTrackReserve', { lua: RESERVE });
    redis.defineCommand('hcTrackReserveOne', { lua: RESERVE, numberOfKeys: 1 });
    redis.defineCommand('hcTrackSettle', { lua: SETTLE });
    redis.defineCommand('hcTrackSettleOne', { lua: SETTLE, numberOfKeys: 1 });
    const c = redis as unknown as Record<string, Script & OneKeyScript>;
    this.reserveMany = c.hcTrackReserve.bind(redis);
    this.reserveOne = c.hcTrackReserveOne.bind(redis);
    this.settleMany = c.hcTrackSettle.bind(redis);
    this.settleOne = c.hcTrackSettleOne.bind(redis);
    this.batched = redis instanceof Redis;
  }

  /**
   * Reserves the person's pings per slot (`perSlot`: slot id -> pings; slots older than `oldestSlot`
   * are left out: they are counted per batch only) and answers what was known before.
   */
  reserve(userId: string, perSlot: ReadonlyMap<number, number>, oldestSlot: number): Promise<TrackReservation> {
    const slots: number[] = [];
    let spec = '';
    for (const [slot, n] of perSlot) {
      if (slot < oldestSlot) continue;
      slots.push(slot);
      spec += `${spec ? ',' : ''}${slot.toString(36)}:${n}`;
    }
    const key = this.key(userId);
    const row = this.batched ? this.queueReserve(key, spec, oldestSlot) : this.callReserveOne(key, spec, oldestSlot);
    return row
      .then((r) => ({ known: parseKnown(r, slots), reserved: true }))
      .catch((err: Error) => {
        this.warn(err);
        return { known: { last: null, slotCounts: new Map() }, reserved: false };
      });
  }

  /** Records the newest ping kept (if newer than the one known) and gives back `giveBack` (slot -> pings). Not awaited. */
  settle(userId: string, newest: TrackPing | null, giveBack: ReadonlyMap<number, number>): void {
    let back = '';
    for (const [slot, n] of giveBack) if (n > 0) back += `${back ? ',' : ''}${slot.toString(36)}:${n}`;
    if (!newest && !back) return;
    const arg = `${newest ? `${newest.tsMs.toString(36)}|${newest.position}|${newest.accuracy}` : ''};${back}`;
    const key = this.key(userId);
    if (!this.batched) {
      this.settleOne(key, String(this.limits.horizonMs), arg).catch((err: Error) => this.warn(err));
      return;
    }
    if (!this.settling) {
      const batch = (this.settling = { keys: [], args: [] });
      setImmediate(() => this.sendSettle(batch));
    }
    this.settling.keys.push(key);
    this.settling.args.push(arg);
    if (this.settling.keys.length >= MAX_KEYS_PER_CALL) this.sendSettle(this.settling);
  }

  private key(userId: string): string {
    return `${this.prefix}:track:${userId}`;
  }

  private maxFields(): string {
    return String(2 * this.limits.horizonSlots + 1);
  }

  private callReserveOne(key: string, spec: string, oldest: number): Promise<unknown> {
    return this.reserveOne(key, String(this.limits.horizonMs), String(oldest), this.maxFields(), spec);
  }

  private queueReserve(key: string, spec: string, oldest: number): Promise<unknown> {
    // One call per turn and per oldest slot (the requests of one turn nearly always share it).
    if (this.reserving && this.reserving.oldest !== oldest) this.sendReserve(this.reserving);
    if (!this.reserving) {
      const batch = (this.reserving = { keys: [], args: [], oldest, waiters: [] });
      // After this turn's I/O callbacks, like the rate-limit hits: both go to Redis together.
      setImmediate(() => this.sendReserve(batch));
    }
    const batch = this.reserving;
    const done = new Promise<unknown>((resolve, reject) =>
      batch.waiters.push((row) => (row instanceof Error ? reject(row) : resolve(row))),
    );
    batch.keys.push(key);
    batch.args.push(spec);
    if (batch.keys.length >= MAX_KEYS_PER_CALL) this.sendReserve(batch);
    return done;
  }

  private sendReserve(batch: NonNullable<PingTracks['reserving']>): void {
    if (this.reserving !== batch) return; // sent already
    this.reserving = null;
    const { keys, args, oldest, waiters } = batch;
    this.reserveMany(keys.length, ...keys, String(this.limits.horizonMs), String(oldest), this.maxFields(), ...args)
      .then((out) => {
        if (!Array.isArray(out) || out.length !== keys.length)
          throw new Error(
            `track script answered ${Array.isArray(out) ? out.length : 'no'} rows for ${keys.length} keys`,
          );
        waiters.forEach((w, i) => w(out[i]));
      })
      .catch((err: Error) => waiters.forEach((w) => w(err)));
  }

  private sendSettle(batch: NonNullable<PingTracks['settling']>): void {
    if (this.settling !== batch) return;
    this.settling = null;
    this.settleMany(batch.keys.length, ...batch.keys, String(this.limits.horizonMs), ...batch.args).catch(
      (err: Error) => this.warn(err),
    );
  }

  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.warnedAt < WARN_EVERY_MS) return;
    this.warnedAt = now;
    this.logger.warn(`ping tracks unavailable, batches judged on their own: ${err.message}`);
  }
}

/** The script's row for one person: the newest ping, then the count before the reservation of each slot in `slots`. */
function parseKnown(row: unknown, slots: number[]): KnownTrack {
  if (!Array.isArray(row) || row.length !== slots.length + 1) throw new Error('track script answered a bad row');
  const slotCounts = new Map<number, number>();
  slots.forEach((slot, i) => slotCounts.set(slot, Number(row[i + 1])));
  return { last: parseNewest(String(row[0])), slotCounts };
}

function parseNewest(value: string): TrackPing | null {
  const [ts, position, accuracy] = value.split('|');
  if (!ts || !position) return null;
  const tsMs = parseInt(ts, 36);
  return Number.isSafeInteger(tsMs) ? { tsMs, position, accuracy: Number(accuracy) || 0 } : null;
}
