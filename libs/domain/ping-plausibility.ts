import { geohashArea, minDistanceMeters, sharedCellSpanMeters, type Area } from '#libs/geo/index.js';
import { slotOf, type TimeGrid } from './time-grid.js';

/** A ping as the plausibility rule sees it: its time, the position kept (a geohash) and the accuracy kept (metres, 0 for none). */
export interface TrackPing {
  tsMs: number;
  position: string;
  accuracy: number;
}

export interface PlausibilityRules {
  /** The fastest a person is taken to travel (HC_MAX_SPEED_KMH). */
  maxSpeedKmh: number;
  /** The most pings of one person stored in one slot (HC_MAX_PINGS_PER_SLOT). */
  maxPingsPerSlot: number;
}

/** What is known of the person's pings before this batch. */
export interface KnownTrack {
  /** The newest ping stored, if known. */
  last: TrackPing | null;
  /** Pings already counted per slot (slots not in the map: none known). */
  slotCounts: ReadonlyMap<number, number>;
}

/**
 * The verdict on each ping of a batch. ok: kept; too-fast: reaching it from a ping kept before or
 * after it would take more than the speed limit; slot-full: the person's slot already holds the
 * most pings allowed.
 */
export type PingVerdict = 'ok' | 'too-fast' | 'slot-full';

/** The area a kept position stands for (its geohash's rectangle, grown by the accuracy). */
export function trackArea(p: TrackPing): Area {
  const area = geohashArea(p.position);
  return p.accuracy > 0 ? { ...area, accuracyMeters: p.accuracy } : area;
}

/**
 * Whether one person can have been at both pings: the smallest distance between their areas
 * (minDistanceMeters, so a coarse position never makes a move look longer than it was) is
 * covered at `maxSpeedKmh` in the time between them. Two pings at the same time must be at the
 * same place (their areas touching).
 */
export function isPlausibleMove(a: TrackPing, b: TrackPing, maxSpeedKmh: number): boolean {
  if (a.position === b.position) return true;
  // metres <= km/h * ms / 3600, without a division.
  const reach = maxSpeedKmh * Math.abs(a.tsMs - b.tsMs);
  // Most moves are short: the cell both lie in tells, without decoding either.
  if (sharedCellSpanMeters(a.position, b.position) * 3600 <= reach) return true;
  return minDistanceMeters(trackArea(a), trackArea(b)) * 3600 <= reach;
}

/**
 * Which pings of one person's batch to keep. The batch is walked in time order, with the
 * person's newest known ping in its place among them: a ping is kept when its slot has room
 * (known count plus pings kept so far below `maxPingsPerSlot`) and it is a plausible move from
 * the ping kept just before it in time and, if it is older than the known newest ping, to that
 * one too. The first plausible ping of a spray is kept and the rest, which would need the
 * person to jump, are not; a phone's ordinary track is kept whole. Pure: the answer depends on
 * the batch and what is known only.
 */
export function judgePings(
  pings: readonly TrackPing[],
  known: KnownTrack,
  rules: PlausibilityRules,
  grid: TimeGrid,
): PingVerdict[] {
  const verdicts = new Array<PingVerdict>(pings.length);
  const { maxSpeedKmh, maxPingsPerSlot } = rules;
  let later = known.last;
  let prev: TrackPing | null = null;
  // In time order the slots only grow: one slot's count at a time.
  let slot = NaN;
  let used = 0;
  const n = pings.length;
  const order = timeOrder(pings);
  for (let k = 0; k < n; k++) {
    const i = order === 'ascending' ? k : order === 'descending' ? n - 1 - k : order[k];
    const p = pings[i];
    if (later && p.tsMs >= later.tsMs) {
      // The walk passes the known newest ping: it is the one before the rest.
      prev = later;
      later = null;
    }
    const pSlot = slotOf(p.tsMs, grid);
    if (pSlot !== slot) {
      slot = pSlot;
      used = known.slotCounts.get(slot) ?? 0;
    }
    if (used >= maxPingsPerSlot) verdicts[i] = 'slot-full';
    else if ((prev && !isPlausibleMove(prev, p, maxSpeedKmh)) || (later && !isPlausibleMove(p, later, maxSpeedKmh)))
      verdicts[i] = 'too-fast';
    else {
      verdicts[i] = 'ok';
      used++;
      prev = p;
    }
  }
  return verdicts;
}

/** The pings' indices by time (stable): a batch already in order, or in reverse, is not sorted. */
function timeOrder(pings: readonly TrackPing[]): 'ascending' | 'descending' | number[] {
  const n = pings.length;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < n && (ascending || descending); i++) {
    if (pings[i].tsMs < pings[i - 1].tsMs) ascending = false;
    if (pings[i].tsMs >= pings[i - 1].tsMs) descending = false;
  }
  if (ascending) return 'ascending';
  if (descending) return 'descending';
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => pings[a].tsMs - pings[b].tsMs || a - b);
}

/**
 * How far back what is known of a person's pings reaches: while a slot's pings still arrive on
 * time (a window, its grace and the clock skew). Pings of older slots, sent late, are counted
 * within their batch only.
 */
export function trackHorizonMs(grid: TimeGrid, maxClockSkewSeconds: number): number {
  return (grid.windowSeconds + grid.graceSeconds + maxClockSkewSeconds) * 1000;
}
