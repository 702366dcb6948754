import { cellsWithin, MAX_ACCURACY_METERS, type Area } from '#libs/geo/index.js';
import { slotOf, windowEndMs, windowStartMs, type TimeGrid } from './time-grid.js';
import type { ContactRule } from './co-location.js';

/** A source's ping as the tracer reads it: when, its index cell, and the area of its position. */
export interface SourcePing {
  sourceId: string;
  tsMs: number;
  cell: string;
  area: Area;
}

/**
 * The times of the source pings that can reach contacts of a window: the contact time beyond each
 * of its edges (a contact near an edge is matched against a source ping in the next window).
 */
export function sourceReachMs(windowId: number, grid: TimeGrid, rule: ContactRule): { fromMs: number; toMs: number } {
  const reachMs = rule.seconds * 1000;
  return { fromMs: windowStartMs(windowId, grid) - reachMs, toMs: windowEndMs(windowId, grid) + reachMs + 1 };
}

/**
 * How far beyond a ping's own area a search reaches: the radius, and the widest accuracy the other
 * ping may carry (its area can reach into a cell its point is not in).
 */
export function searchReachMeters(rule: ContactRule): number {
  return rule.radiusMeters + MAX_ACCURACY_METERS;
}

/**
 * One probe of the (cell, ts) index for the contacts of one source ping: pings in `cell` with
 * fromMs <= ts < toMs, kept when their area comes within the radius of `source`.
 */
export interface SearchRange {
  sourceId: string;
  /** The times of the source's pings at this area the range stands for (its times are clipped to the window). */
  times: number[];
  cell: string;
  fromMs: number;
  toMs: number;
  source: Area;
}

/**
 * The probes for a window's contacts: each source ping reaches every cell of `cellPrecision`
 * within searchReachMeters of its area, over the contact time either side of it, clipped to the window
 * (contacts belong to the window of their own ping). The spans of one source at one area that
 * overlap or touch are merged (a phone that stays put costs one probe per cell, not one per ping);
 * their union is exactly the times within the contact time of one of those pings. The probes are
 * a superset; the distance test beside each probe decides, so a ping is a contact exactly when the
 * contact rule says so.
 */
export function contactSearchRanges(
  sources: Iterable<SourcePing>,
  windowId: number,
  grid: TimeGrid,
  rule: ContactRule,
  cellPrecision: number,
): SearchRange[] {
  const windowFrom = windowStartMs(windowId, grid);
  const windowTo = windowEndMs(windowId, grid);
  const reachMs = rule.seconds * 1000;
  const byArea = new Map<string, { sourceId: string; area: Area; pings: number[] }>();
  for (const s of sources) {
    const key = `${s.sourceId}|${s.area.lat}|${s.area.lon}|${s.area.halfLat}|${s.area.halfLon}|${s.area.accuracyMeters ?? 0}`;
    const entry = byArea.get(key) ?? byArea.set(key, { sourceId: s.sourceId, area: s.area, pings: [] }).get(key)!;
    entry.pings.push(s.tsMs);
  }
  const ranges: SearchRange[] = [];
  for (const { sourceId, area, pings } of byArea.values()) {
    const spans: { fromMs: number; toMs: number; times: number[] }[] = [];
    for (const tsMs of pings.sort((a, b) => a - b)) {
      const fromMs = Math.max(windowFrom, tsMs - reachMs);
      const toMs = Math.min(windowTo, tsMs + reachMs + 1);
      if (fromMs >= toMs) continue;
      const last = spans[spans.length - 1];
      if (last && fromMs <= last.toMs) {
        last.toMs = Math.max(last.toMs, toMs);
        last.times.push(tsMs);
      } else spans.push({ fromMs, toMs, times: [tsMs] });
    }
    if (!spans.length) continue;
    for (const cell of cellsWithin(area, searchReachMeters(rule), cellPrecision))
      for (const span of spans) ranges.push({ sourceId, cell, ...span, source: area });
  }
  return ranges;
}

/** A ping of a possible contact (a late ping) as the late-ping pass reads it. */
export interface ContactPing {
  contactId: string;
  tsMs: number;
  cell: string;
  area: Area;
}

/**
 * Where a source ping must lie to be in contact with one contact ping: `cell` over
 * fromMs <= ts < toMs, within the radius of `contact`; `slot` is the one the exposure counts (the
 * contact's own).
 */
export interface SourceSearchRange {
  contactId: string;
  contactCell: string;
  slot: number;
  times: number[];
  cell: string;
  fromMs: number;
  toMs: number;
  contact: Area;
}

/**
 * The reverse of contactSearchRanges, for a few contact pings (late ones): each ping of the window
 * reaches every cell within searchReachMeters of its area over the contact time either side, not clipped
 * (a source ping may lie outside the window). Pings outside the window count for their own window.
 */
export function sourceSearchRanges(
  contacts: Iterable<ContactPing>,
  windowId: number,
  grid: TimeGrid,
  rule: ContactRule,
  cellPrecision: number,
): SourceSearchRange[] {
  const windowFrom = windowStartMs(windowId, grid);
  const windowTo = windowEndMs(windowId, grid);
  const reachMs = rule.seconds * 1000;
  const ranges: SourceSearchRange[] = [];
  for (const c of contacts) {
    if (c.tsMs < windowFrom || c.tsMs >= windowTo) continue;
    const slot = slotOf(c.tsMs, grid);
    for (const cell of cellsWithin(c.area, searchReachMeters(rule), cellPrecision)) {
      ranges.push({
        contactId: c.contactId,
        contactCell: c.cell,
        slot,
        times: [c.tsMs],
        cell,
        fromMs: c.tsMs - reachMs,
        toMs: c.tsMs + reachMs + 1,
        contact: c.area,
      });
    }
  }
  return ranges;
}
