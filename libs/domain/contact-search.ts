import { cellNeighbourhood } from '#libs/geo/index.js';
import { slotOf, slotStartMs, windowEndMs, windowStartMs, type TimeGrid } from './time-grid.js';

/** A source's ping as the tracer reads it. */
export interface SourcePing {
  sourceId: string;
  tsMs: number;
  cell: string;
}

/**
 * The times of the source pings that can reach contacts of a window: one slot beyond each of its
 * edges (a contact near an edge is matched against the neighbouring slot, DESIGN §2).
 */
export function sourceReachMs(windowId: number, grid: TimeGrid): { fromMs: number; toMs: number } {
  const slotMs = grid.slotSeconds * 1000;
  return { fromMs: windowStartMs(windowId, grid) - slotMs, toMs: windowEndMs(windowId, grid) + slotMs };
}

/**
 * Where and when a contact ping is co-located with one source standing in `sourceCell`:
 * pings in `cell` with fromMs <= ts < toMs. One range answers one index probe.
 */
export interface SearchRange {
  sourceId: string;
  sourceCell: string;
  cell: string;
  fromMs: number;
  toMs: number;
}

/**
 * The ranges to probe for a window's contacts (DESIGN §2): each source ping reaches its cell and
 * the 8 neighbours (across geohash prefix borders), over its own slot and the two adjacent ones,
 * clipped to the window (contacts belong to the window of their own ping; the source pings may
 * lie one slot outside it). Ranges of one source in one cell that touch are merged, so a person
 * who stays put for an hour costs 9 probes rather than 9 per ping. The union is exact: a contact
 * ping falls in a range iff some ping of that source in that source cell is within one slot.
 */
export function contactSearchRanges(sources: Iterable<SourcePing>, windowId: number, grid: TimeGrid): SearchRange[] {
  const windowFrom = windowStartMs(windowId, grid);
  const windowTo = windowEndMs(windowId, grid);
  // The spans of one source in one cell are merged once, then reach every cell of its neighbourhood.
  const spans = new Map<string, { sourceId: string; sourceCell: string; spans: [number, number][] }>();
  for (const s of sources) {
    const slot = slotOf(s.tsMs, grid);
    const fromMs = Math.max(windowFrom, slotStartMs(slot - 1, grid));
    const toMs = Math.min(windowTo, slotStartMs(slot + 2, grid));
    if (fromMs >= toMs) continue;
    const key = `${s.sourceId}|${s.cell}`;
    let entry = spans.get(key);
    if (!entry) spans.set(key, (entry = { sourceId: s.sourceId, sourceCell: s.cell, spans: [] }));
    entry.spans.push([fromMs, toMs]);
  }
  const ranges: SearchRange[] = [];
  for (const e of spans.values()) {
    const cells = cellNeighbourhood(e.sourceCell);
    for (const [fromMs, toMs] of mergeSpans(e.spans)) {
      for (const cell of cells) ranges.push({ sourceId: e.sourceId, sourceCell: e.sourceCell, cell, fromMs, toMs });
    }
  }
  return ranges;
}

/** Sorts the spans and merges those that overlap or touch. */
function mergeSpans(spans: [number, number][]): [number, number][] {
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** A ping of a possible contact (a late ping) as the late-ping pass reads it. */
export interface ContactPing {
  contactId: string;
  tsMs: number;
  cell: string;
}

/**
 * Where a source ping must lie to be co-located with one contact ping: `cell` over
 * fromMs <= ts < toMs, and the slot the exposure counts (the contact's own).
 */
export interface SourceSearchRange {
  contactId: string;
  contactCell: string;
  slot: number;
  cell: string;
  fromMs: number;
  toMs: number;
}

/**
 * The reverse of contactSearchRanges, for a few contact pings (late ones): each ping of the
 * window reaches its cell and the 8 neighbours over its own slot and the two adjacent ones, not
 * clipped (a source ping may lie one slot outside the window). Pings outside the window count for
 * their own window only; pings repeated in one (cell, slot) give one set of ranges.
 */
export function sourceSearchRanges(
  contacts: Iterable<ContactPing>,
  windowId: number,
  grid: TimeGrid,
): SourceSearchRange[] {
  const windowFrom = windowStartMs(windowId, grid);
  const windowTo = windowEndMs(windowId, grid);
  const seen = new Set<string>();
  const ranges: SourceSearchRange[] = [];
  for (const c of contacts) {
    if (c.tsMs < windowFrom || c.tsMs >= windowTo) continue;
    const slot = slotOf(c.tsMs, grid);
    const key = `${c.contactId}|${c.cell}|${slot}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const cell of cellNeighbourhood(c.cell)) {
      ranges.push({
        contactId: c.contactId,
        contactCell: c.cell,
        slot,
        cell,
        fromMs: slotStartMs(slot - 1, grid),
        toMs: slotStartMs(slot + 2, grid),
      });
    }
  }
  return ranges;
}
