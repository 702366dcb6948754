/**
 * Time is cut into windows (the unit of batch tracing) and slots (the unit of co-location),
 * both aligned to the Unix epoch. Ids are global: slot ids do not restart in each window.
 * Math.floor keeps pre-1970 (negative) times in the right bucket.
 */
export interface TimeGrid {
  windowSeconds: number;
  slotSeconds: number;
  graceSeconds: number;
}

const MS = 1000;

export function windowIdOf(tsMs: number, grid: TimeGrid): number {
  return Math.floor(tsMs / (grid.windowSeconds * MS));
}

export function windowStartMs(id: number, grid: TimeGrid): number {
  return id * grid.windowSeconds * MS;
}

/** Exclusive: the first millisecond of the next window. */
export function windowEndMs(id: number, grid: TimeGrid): number {
  return (id + 1) * grid.windowSeconds * MS;
}

/** A window's data is taken as complete once late phones have had the grace period to report. */
export function windowClosesAtMs(id: number, grid: TimeGrid): number {
  return windowEndMs(id, grid) + grid.graceSeconds * MS;
}

export function isWindowClosed(id: number, nowMs: number, grid: TimeGrid): boolean {
  return nowMs >= windowClosesAtMs(id, grid);
}

/** The newest window whose closing time is at or before now. */
export function lastClosedWindowId(nowMs: number, grid: TimeGrid): number {
  return Math.floor((nowMs - grid.graceSeconds * MS) / (grid.windowSeconds * MS)) - 1;
}

export function slotOf(tsMs: number, grid: TimeGrid): number {
  return Math.floor(tsMs / (grid.slotSeconds * MS));
}

export function slotStartMs(slot: number, grid: TimeGrid): number {
  return slot * grid.slotSeconds * MS;
}

/** Equal or consecutive slots; works across window edges because slot ids are global. */
export function slotsAdjacent(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1;
}

/** Inclusive global slot ids inside a window (needs a valid grid: slotSeconds divides windowSeconds). */
export function windowSlotRange(id: number, grid: TimeGrid): { first: number; last: number } {
  const slotsPerWindow = grid.windowSeconds / grid.slotSeconds;
  const first = id * slotsPerWindow;
  return { first, last: first + slotsPerWindow - 1 };
}

const isPositiveInteger = (v: number): boolean => Number.isSafeInteger(v) && v > 0;

/** An error message naming the offending field, or null when the grid is usable. */
export function validateTimeGrid(grid: TimeGrid): string | null {
  if (!isPositiveInteger(grid.windowSeconds))
    return `windowSeconds must be a positive integer (got ${grid.windowSeconds})`;
  if (!isPositiveInteger(grid.slotSeconds)) return `slotSeconds must be a positive integer (got ${grid.slotSeconds})`;
  if (!(Number.isSafeInteger(grid.graceSeconds) && grid.graceSeconds >= 0)) {
    return `graceSeconds must be a non-negative integer (got ${grid.graceSeconds})`;
  }
  // Slots must tile windows exactly, or a slot would straddle two windows and be traced twice.
  if (grid.windowSeconds % grid.slotSeconds !== 0) {
    return `slotSeconds (${grid.slotSeconds}) must divide windowSeconds (${grid.windowSeconds})`;
  }
  return null;
}

/** The first window starting at or after `tsMs`: windows starting in [a, b) are those from this id of a up to (not including) this id of b. */
export function firstWindowStartingFrom(tsMs: number, grid: TimeGrid): number {
  return Math.ceil(tsMs / (grid.windowSeconds * MS)) || 0; // never -0
}
