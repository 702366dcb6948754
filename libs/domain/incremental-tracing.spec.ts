import { isQuarantineOver } from './colors.js';
import { retroTraceWindows, startsEarlierSource, tracingLag, windowsAffectedByPing } from './incremental-tracing.js';
import type { TimeGrid } from './time-grid.js';

const grid: TimeGrid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };
const W = 1000;
const t0 = W * 60_000;

describe('windowsAffectedByPing', () => {
  it.each([
    ['first slot: also the window before', t0, [W - 1, W]],
    ['middle slot: its own window only', t0 + 25_000, [W]],
    ['last slot: also the window after', t0 + 59_999, [W, W + 1]],
    ['second slot: its own window only', t0 + 10_000, [W]],
  ])('%s', (_name, ts, expected) => {
    expect(windowsAffectedByPing(ts, grid)).toEqual(expected);
  });
});

describe('retroTraceWindows', () => {
  const limits = { retentionDays: 14, maxClockSkewSeconds: 0 };
  const now = t0 + 10 * 60_000 + 30_000; // window W+10 is open, W+9 closed at W+10's start + 5 s

  it('from the window one slot before the infectious start to the last closed window', () => {
    expect(retroTraceWindows(t0 + 5_000, now, grid, limits)).toEqual({ first: W - 1, last: W + 9 });
    expect(retroTraceWindows(t0 + 15_000, now, grid, limits)).toEqual({ first: W, last: W + 9 });
  });

  it('covers one window more when clocks may be skewed past a close', () => {
    const justBeforeClose = t0 + 11 * 60_000 + 4_000;
    expect(retroTraceWindows(t0, justBeforeClose, grid, limits)!.last).toBe(W + 9);
    expect(retroTraceWindows(t0, justBeforeClose, grid, { ...limits, maxClockSkewSeconds: 2 })!.last).toBe(W + 10);
  });

  it('never reaches past the retention, and is null when nothing closed since the start', () => {
    const later = 5 * 86_400_000;
    const old = retroTraceWindows(0, later, grid, { retentionDays: 1, maxClockSkewSeconds: 0 })!;
    expect(old.first).toBe((later - 86_400_000) / 60_000);
    expect(retroTraceWindows(now - 1_000, now, grid, limits)).toBeNull();
  });
});

describe('startsEarlierSource', () => {
  const red = (from: number) => ({ color: 'red', infectiousFromMs: from });
  it.each([
    ['green -> red', { color: 'green', infectiousFromMs: null }, red(5), true],
    ['yellow -> red', { color: 'yellow', infectiousFromMs: null }, red(5), true],
    ['red -> red earlier', red(5), red(4), true],
    ['red -> red same start', red(5), red(5), false],
    ['red -> red later', red(5), red(6), false],
    ['red -> green', red(5), { color: 'green', infectiousFromMs: null }, false],
  ])('%s', (_name, before, after, expected) => {
    expect(startsEarlierSource(before, after)).toBe(expected);
  });
});

describe('tracingLag', () => {
  const now = t0 + 10 * 60_000 + 30_000; // last closed window: W + 9

  it('up to date: traced until the end of the last closed window, nothing behind', () => {
    expect(tracingLag(null, now, grid)).toEqual({ tracedUntilMs: t0 + 10 * 60_000, windowsBehind: 0, seconds: 0 });
  });

  it('counts the closed windows from the first untraced one', () => {
    expect(tracingLag(W + 7, now, grid)).toEqual({ tracedUntilMs: t0 + 7 * 60_000, windowsBehind: 3, seconds: 180 });
  });

  it('an untraced window that is not closed yet is no lag', () => {
    expect(tracingLag(W + 10, now, grid).windowsBehind).toBe(0);
  });
});

describe('isQuarantineOver', () => {
  it.each([
    ['yellow before its end', 'yellow', 1000, 999, false],
    ['yellow at its end', 'yellow', 1000, 1000, true],
    ['yellow after its end', 'yellow', 1000, 5000, true],
    ['red never', 'red', null, 5000, false],
    ['green is not a quarantine', 'green', null, 5000, false],
  ] as const)('%s', (_name, color, expiresAt, now, expected) => {
    expect(isQuarantineOver(color, expiresAt, now)).toBe(expected);
  });
});
