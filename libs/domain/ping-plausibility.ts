import { cellArea, minDistanceMeters, type Area } from '#libs/geo/index.js';
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
  const area = cellArea(p.position);
  return p.accuracy > 0 ? { ...area, accuracyMeters: p.accuracy } : area;
}

/**
 * Whether one person can have been at both pings: the smallest distance between their areas
 * (minDistanceMeters, so a coarse position never makes a move look longer than it was) is
 * covered at `maxSpeedKmh` in the time between them. Two pings at the same time must be at the
 * same place (their areas touching).
 */
export function isPlausibleMove(a: TrackPing, b: TrackPing, maxSpeedKmh: number, areaA?: Area, areaB?: Area): boolean {
  if (a.position === b.position) return true;
  const meters = minDistanceMeters(areaA ?? trackArea(a), areaB ?? trackArea(b));
  // metres <= km/h * ms / 3600, without a division.
  return meters * 3600 <= maxSpeedKmh * Math.abs(a.tsMs - b.tsMs);
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
  const order = timeOrder(pings);
  const kept = new Map<number, number>();
  let later = known.last;
  const laterArea = later && trackArea(later);
  let prev: TrackPing | null = null;
  let prevArea: Area | undefined;
  for (const i of order) {
    const p = pings[i];
    if (later && p.tsMs >= later.tsMs) {
      // The walk passes the known newest ping: it is the one before the rest.
      prev = later;
      prevArea = laterArea!;
      later = null;
    }
    const slot = slotOf(p.tsMs, grid);
    const used = kept.get(slot) ?? known.slotCounts.get(slot) ?? 0;
    if (used >= rules.maxPingsPerSlot) {
      verdicts[i] = 'slot-full';
      continue;
    }
    // The area is worked out only when a position differs from its neighbour's (phones mostly stay put).
    let area: Area | undefined;
    const areaOf = () => (area ??= trackArea(p));
    const fromPrev =
      !prev || prev.position === p.position || isPlausibleMove(prev, p, rules.maxSpeedKmh, prevArea, areaOf());
    const toLater =
      !later || later.position === p.position || isPlausibleMove(p, later, rules.maxSpeedKmh, areaOf(), laterArea!);
    if (!fromPrev || !toLater) {
      verdicts[i] = 'too-fast';
      continue;
    }
    verdicts[i] = 'ok';
    kept.set(slot, used + 1);
    prev = p;
    prevArea = area;
  }
  return verdicts;
}

/** Indices of the pings by time (stable); a batch already in order, or in reverse, is not sorted. */
function timeOrder(pings: readonly TrackPing[]): number[] {
  const n = pings.length;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < n && (ascending || descending); i++) {
    if (pings[i].tsMs < pings[i - 1].tsMs) ascending = false;
    if (pings[i].tsMs >= pings[i - 1].tsMs) descending = false;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  if (ascending) return order;
  if (descending) return order.reverse();
  return order.sort((a, b) => pings[a].tsMs - pings[b].tsMs || a - b);
}

/**
 * How far back what is known of a person's pings reaches: while a slot's pings still arrive on
 * time (a window, its grace and the clock skew). Pings of older slots, sent late, are counted
 * within their batch only.
 */
export function trackHorizonMs(grid: TimeGrid, maxClockSkewSeconds: number): number {
  return (grid.windowSeconds + grid.graceSeconds + maxClockSkewSeconds) * 1000;
}
