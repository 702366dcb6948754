import { windowIdOf, type TimeGrid } from '#libs/domain/index.js';
import { UsageError } from './usage-error.js';

/** Most windows one command may touch: a typo must not queue a year of work. */
export const MAX_WINDOWS_PER_COMMAND = 10_000;

/** A window id, or an ISO time (the window holding it). */
function windowAt(text: string, grid: TimeGrid): number {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`"${text}" is neither a window id nor an ISO time (e.g. 2026-11-24T10:00:00Z)`);
  return windowIdOf(ms, grid);
}

/**
 * `<window>` or `<from>..<to>` (inclusive), each a window id or an ISO time, into window ids.
 * A time range ending on a window's start does not include that window.
 */
export function parseWindowRange(text: string, grid: TimeGrid): number[] {
  const [fromText, toText, ...rest] = text.split('..');
  if (rest.length || !fromText || toText === '') throw new UsageError(`"${text}" is not <window> or <from>..<to>`);
  const from = windowAt(fromText, grid);
  let to = toText === undefined ? from : windowAt(toText, grid);
  if (toText !== undefined && !/^\d+$/.test(toText) && Date.parse(toText) % (grid.windowSeconds * 1000) === 0) to -= 1;
  if (to < from) throw new UsageError(`"${text}" ends before it starts`);
  if (to - from + 1 > MAX_WINDOWS_PER_COMMAND)
    throw new UsageError(`"${text}" spans ${to - from + 1} windows; at most ${MAX_WINDOWS_PER_COMMAND} at once`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
