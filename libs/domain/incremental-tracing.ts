import { lastClosedWindowId, slotOf, slotStartMs, windowEndMs, windowIdOf, type TimeGrid } from './time-grid.js';

/**
 * The windows whose trace a ping can change: its own (as a contact or a source) and, when it lies
 * in a window's first or last slot, the neighbouring window too (a source ping reaches contacts
 * one slot away, across the window edge). Oldest first.
 */
export function windowsAffectedByPing(tsMs: number, grid: TimeGrid): number[] {
  const slotMs = grid.slotSeconds * 1000;
  const own = windowIdOf(tsMs, grid);
  const before = windowIdOf(tsMs - slotMs, grid);
  const after = windowIdOf(tsMs + slotMs, grid);
  // Called for every ping ingested: no Set, and one element in the common (mid-window) case.
  if (before === own) return after === own ? [own] : [own, after];
  return after === own ? [before, own] : [before, own, after];
}

/**
 * The windows a retro-trace of a new source covers: from the window its first infectious ping can
 * reach (one slot before the infectious start, bounded by the retention: older pings are gone) to
 * the newest window that may have been traced without it (closed by now, with the allowed clock
 * skew between processes). Null when there is none: every later window is traced with the source.
 */
export function retroTraceWindows(
  infectiousFromMs: number,
  nowMs: number,
  grid: TimeGrid,
  limits: { retentionDays: number; maxClockSkewSeconds: number },
): { first: number; last: number } | null {
  const reach = slotStartMs(slotOf(infectiousFromMs, grid) - 1, grid);
  const first = Math.max(windowIdOf(reach, grid), windowIdOf(nowMs - limits.retentionDays * 86_400_000, grid));
  const last = lastClosedWindowId(nowMs + limits.maxClockSkewSeconds * 1000, grid);
  return first <= last ? { first, last } : null;
}

/** A red code with this infectious start makes someone a source earlier than before (or at all). */
export function startsEarlierSource(
  before: { color: string; infectiousFromMs: number | null },
  after: { color: string; infectiousFromMs: number | null },
): boolean {
  if (after.color !== 'red' || after.infectiousFromMs === null) return false;
  return before.color !== 'red' || before.infectiousFromMs === null || after.infectiousFromMs < before.infectiousFromMs;
}

/**
 * How far tracing is behind, from the first window not fully traced (null: none): `tracedUntilMs`
 * is that window's start (every window before it is traced), `windowsBehind` counts the closed
 * windows from it on, `seconds` the closed time not yet traced.
 */
export function tracingLag(
  firstUntracedId: number | null,
  nowMs: number,
  grid: TimeGrid,
): { tracedUntilMs: number; windowsBehind: number; seconds: number } {
  const lastClosed = lastClosedWindowId(nowMs, grid);
  const first = firstUntracedId === null ? lastClosed + 1 : Math.min(firstUntracedId, lastClosed + 1);
  const tracedUntilMs = windowEndMs(first - 1, grid);
  return {
    tracedUntilMs,
    windowsBehind: lastClosed + 1 - first,
    seconds: (windowEndMs(lastClosed, grid) - tracedUntilMs) / 1000,
  };
}

/** Tracing is late enough to warn about (readiness) when more than this many closed windows wait. */
export const TRACING_LAG_WARN_WINDOWS = 2;
