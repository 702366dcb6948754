import {
  firstWindowStartingFrom,
  isWindowClosed,
  lastClosedWindowId,
  slotOf,
  slotStartMs,
  slotsAdjacent,
  validateTimeGrid,
  windowClosesAtMs,
  windowEndMs,
  windowIdOf,
  windowSlotRange,
  windowStartMs,
  type TimeGrid,
} from './time-grid.js';

const HOUR: TimeGrid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };
const DEMO: TimeGrid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };

// 2023-11-14T22:00:00Z, an hour boundary: window 472222 of the default grid.
const H = 1_699_999_200_000;

describe('windowIdOf', () => {
  it.each([
    ['hour: exactly at start', HOUR, H, 472_222],
    ['hour: end - 1 ms', HOUR, H + 3_600_000 - 1, 472_222],
    ['hour: exactly at end', HOUR, H + 3_600_000, 472_223],
    ['hour: 1 ms before start', HOUR, H - 1, 472_221],
    ['hour: epoch', HOUR, 0, 0],
    ['hour: 1 ms before epoch', HOUR, -1, -1],
    ['hour: exactly one window before epoch', HOUR, -3_600_000, -1],
    ['hour: one window and 1 ms before epoch', HOUR, -3_600_001, -2],
    ['demo: 0', DEMO, 0, 0],
    ['demo: 59.999 s', DEMO, 59_999, 0],
    ['demo: 60 s', DEMO, 60_000, 1],
    ['demo: -60 s', DEMO, -60_000, -1],
    ['demo: -60.001 s', DEMO, -60_001, -2],
  ])('%s', (_label, grid, ts, expected) => {
    expect(windowIdOf(ts, grid)).toBe(expected);
  });

  it('round-trips with windowStartMs / windowEndMs for many ids', () => {
    for (const id of [-1_000_001, -2, -1, 0, 1, 472_222, 29_000_000]) {
      for (const grid of [HOUR, DEMO]) {
        expect(windowIdOf(windowStartMs(id, grid), grid)).toBe(id);
        expect(windowIdOf(windowEndMs(id, grid) - 1, grid)).toBe(id);
        expect(windowIdOf(windowEndMs(id, grid), grid)).toBe(id + 1);
      }
    }
  });
});

describe('window bounds', () => {
  it.each([
    [HOUR, 472_222, H, H + 3_600_000, H + 3_600_000 + 600_000],
    [HOUR, -1, -3_600_000, 0, 600_000],
    [DEMO, 3, 180_000, 240_000, 245_000],
    [DEMO, -2, -120_000, -60_000, -55_000],
    [{ ...DEMO, graceSeconds: 0 }, 3, 180_000, 240_000, 240_000],
  ])('%j window %d: [%d, %d) closes at %d', (grid, id, start, end, closes) => {
    expect(windowStartMs(id, grid)).toBe(start);
    expect(windowEndMs(id, grid)).toBe(end);
    expect(windowClosesAtMs(id, grid)).toBe(closes);
  });
});

describe('isWindowClosed', () => {
  const closes = H + 3_600_000 + 600_000;
  it.each([
    ['during the window', H + 10, false],
    ['at the window end (grace running)', H + 3_600_000, false],
    ['1 ms before grace ends', closes - 1, false],
    ['exactly when grace ends', closes, true],
    ['after', closes + 1, true],
  ])('%s', (_label, now, expected) => {
    expect(isWindowClosed(472_222, now, HOUR)).toBe(expected);
  });

  it('with zero grace a window closes exactly at its end', () => {
    const grid = { ...DEMO, graceSeconds: 0 };
    expect(isWindowClosed(0, 59_999, grid)).toBe(false);
    expect(isWindowClosed(0, 60_000, grid)).toBe(true);
  });
});

describe('lastClosedWindowId', () => {
  const closes = H + 3_600_000 + 600_000; // window 472222 closes here
  it.each([
    ['exactly at closing', HOUR, closes, 472_222],
    ['1 ms before closing', HOUR, closes - 1, 472_221],
    ['just before the next one closes', HOUR, closes + 3_600_000 - 1, 472_222],
    ['demo: window 0 closes at 65 s', DEMO, 65_000, 0],
    ['demo: 64.999 s', DEMO, 64_999, -1],
    ['demo: at epoch', DEMO, 0, -2],
  ])('%s', (_label, grid, now, expected) => {
    expect(lastClosedWindowId(now, grid)).toBe(expected);
  });

  it('agrees with isWindowClosed at every millisecond boundary of interest', () => {
    for (const now of [0, 1, 64_999, 65_000, 65_001, 124_999, 125_000, -55_000, -55_001]) {
      const id = lastClosedWindowId(now, DEMO);
      expect([now, isWindowClosed(id, now, DEMO)]).toEqual([now, true]);
      expect([now, isWindowClosed(id + 1, now, DEMO)]).toEqual([now, false]);
    }
  });
});

describe('slots', () => {
  it.each([
    ['hour: at window start', HOUR, H, 5_666_664],
    ['hour: 299.999 s in', HOUR, H + 299_999, 5_666_664],
    ['hour: 300 s in', HOUR, H + 300_000, 5_666_665],
    ['hour: last slot of window', HOUR, H + 3_600_000 - 1, 5_666_675],
    ['demo: 0', DEMO, 0, 0],
    ['demo: 9.999 s', DEMO, 9_999, 0],
    ['demo: 10 s', DEMO, 10_000, 1],
    ['demo: -1 ms', DEMO, -1, -1],
    ['demo: -10 s', DEMO, -10_000, -1],
    ['demo: -10.001 s', DEMO, -10_001, -2],
  ])('slotOf %s', (_label, grid, ts, expected) => {
    expect(slotOf(ts, grid)).toBe(expected);
  });

  it.each([
    [DEMO, 0, 0],
    [DEMO, 7, 70_000],
    [DEMO, -1, -10_000],
    [HOUR, 5_666_664, H],
  ])('slotStartMs(%j, %d) = %d', (grid, slot, expected) => {
    expect(slotStartMs(slot, grid)).toBe(expected);
  });

  it.each([
    [5, 5, true],
    [5, 6, true],
    [6, 5, true],
    [5, 7, false],
    [7, 5, false],
    [-1, 0, true],
    [-1, 1, false],
  ])('slotsAdjacent(%d, %d) = %s', (a, b, expected) => {
    expect(slotsAdjacent(a, b)).toBe(expected);
  });

  it('slots are global: the last slot of a window is adjacent to the first of the next', () => {
    const last = slotOf(windowEndMs(0, DEMO) - 1, DEMO);
    const next = slotOf(windowStartMs(1, DEMO), DEMO);
    expect([last, next]).toEqual([5, 6]);
    expect(slotsAdjacent(last, next)).toBe(true);
  });
});

describe('windowSlotRange', () => {
  it.each([
    [HOUR, 472_222, 5_666_664, 5_666_675],
    [HOUR, 0, 0, 11],
    [HOUR, -1, -12, -1],
    [DEMO, 0, 0, 5],
    [DEMO, 2, 12, 17],
    [DEMO, -1, -6, -1],
    [{ windowSeconds: 60, slotSeconds: 60, graceSeconds: 0 }, 4, 4, 4],
  ])('%j window %d -> slots %d..%d', (grid, id, first, last) => {
    expect(windowSlotRange(id, grid)).toEqual({ first, last });
  });

  it('first and last slots are those of the window start and end - 1 ms', () => {
    for (const id of [-3, 0, 9]) {
      const r = windowSlotRange(id, DEMO);
      expect(r.first).toBe(slotOf(windowStartMs(id, DEMO), DEMO));
      expect(r.last).toBe(slotOf(windowEndMs(id, DEMO) - 1, DEMO));
    }
  });
});

describe('validateTimeGrid', () => {
  it.each([HOUR, DEMO, { windowSeconds: 60, slotSeconds: 60, graceSeconds: 0 }])('accepts %j', (grid) => {
    expect(validateTimeGrid(grid)).toBeNull();
  });

  it.each([
    [{ windowSeconds: 3600, slotSeconds: 7, graceSeconds: 600 }, 'slotSeconds'],
    [{ windowSeconds: 60, slotSeconds: 120, graceSeconds: 5 }, 'slotSeconds'],
    [{ windowSeconds: 0, slotSeconds: 10, graceSeconds: 5 }, 'windowSeconds'],
    [{ windowSeconds: -60, slotSeconds: 10, graceSeconds: 5 }, 'windowSeconds'],
    [{ windowSeconds: 60.5, slotSeconds: 10, graceSeconds: 5 }, 'windowSeconds'],
    [{ windowSeconds: Number.NaN, slotSeconds: 10, graceSeconds: 5 }, 'windowSeconds'],
    [{ windowSeconds: 60, slotSeconds: 0, graceSeconds: 5 }, 'slotSeconds'],
    [{ windowSeconds: 60, slotSeconds: 2.5, graceSeconds: 5 }, 'slotSeconds'],
    [{ windowSeconds: 60, slotSeconds: 10, graceSeconds: -1 }, 'graceSeconds'],
    [{ windowSeconds: 60, slotSeconds: 10, graceSeconds: 0.5 }, 'graceSeconds'],
  ])('rejects %j naming %s', (grid, field) => {
    const message = validateTimeGrid(grid);
    expect(message).not.toBeNull();
    expect(message).toContain(field);
  });
});

describe('firstWindowStartingFrom', () => {
  it.each([
    ['at a window start: that window', HOUR, H, 472_222],
    ['1 ms after a start: the next one', HOUR, H + 1, 472_223],
    ['1 ms before a start: that one', HOUR, H - 1, 472_222],
    ['epoch', HOUR, 0, 0],
    ['before the epoch', DEMO, -59_999, 0],
    ['at a start before the epoch', DEMO, -60_000, -1],
  ])('%s', (_label, grid, ts, expected) => {
    expect(firstWindowStartingFrom(ts, grid)).toBe(expected);
    // The window found starts at or after ts, and the one before it starts before ts.
    expect(windowStartMs(expected, grid)).toBeGreaterThanOrEqual(ts);
    expect(windowStartMs(expected - 1, grid)).toBeLessThan(ts);
  });
});
