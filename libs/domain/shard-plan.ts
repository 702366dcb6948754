/**
 * How one window's tracing is cut into shards: by the geohash prefix of the source pings. A shard
 * is a contiguous range of cells, so it is a stable, content-free description (no people, no
 * single cells) and the union of all shards is every source ping exactly once.
 */

/** Source pings counted per cell prefix, as the planner sees them. */
export interface PrefixCount {
  prefix: string;
  pings: number;
}

/** Cells c with from <= c < to (string order). The last shard's `to` is CELL_RANGE_END. */
export interface ShardRange {
  from: string;
  to: string;
  sourcePings: number;
}

/** Sorts after every geohash (base32 characters are 0-9 and b-z). */
export const CELL_RANGE_END = '~';

/**
 * The default of HC_TRACE_MIN_SHARD_PINGS. Below this many source pings a shard costs more in job
 * overhead than it saves: on the 2-million-ping bench window (1,310 source pings) six child jobs
 * of ~220 took 1.4 s from plan to combine for 0.57 s of work, while the window job alone matches
 * all of them in about 0.2 s.
 */
export const MIN_SOURCE_PINGS_PER_SHARD = 2000;

/**
 * Splits the prefixes (any order, unique) into at most `maxShards` contiguous ranges of about
 * equal ping counts (and not smaller than `minPerShard` pings, unless there is only one); a
 * prefix is never split. Deterministic: equal input, equal plan.
 */
export function planShards(counts: PrefixCount[], maxShards: number, minPerShard: number): ShardRange[] {
  const sorted = counts
    .filter((c) => c.pings > 0)
    .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  if (!sorted.length) return [];
  const total = sorted.reduce((n, c) => n + c.pings, 0);
  const shards = Math.max(
    1,
    Math.min(Math.floor(maxShards), sorted.length, Math.floor(total / Math.max(1, minPerShard))),
  );
  const ranges: ShardRange[] = [];
  let start = 0;
  let done = 0;
  for (let i = 0; i < sorted.length; i++) {
    done += sorted[i].pings;
    const left = sorted.length - 1 - i;
    const rangesLeft = shards - ranges.length - 1;
    // Close the range where its end is nearest to its share of the pings, or when every later
    // range needs one of the remaining prefixes.
    const next = left > 0 ? sorted[i + 1].pings : 0;
    const due = done + next / 2 >= (total * (ranges.length + 1)) / shards || left === rangesLeft;
    if ((due && rangesLeft > 0) || left === 0) {
      ranges.push({
        from: ranges.length === 0 ? '' : sorted[start].prefix,
        to: left === 0 ? CELL_RANGE_END : sorted[i + 1].prefix,
        sourcePings: sorted.slice(start, i + 1).reduce((n, c) => n + c.pings, 0),
      });
      start = i + 1;
    }
  }
  return ranges;
}
