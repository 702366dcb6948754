import { canRequestRaise, colorRank, COLORS, effectiveColor, isColor, type Color } from './colors.js';

describe('isColor', () => {
  it.each([
    ['green', true],
    ['yellow', true],
    ['red', true],
    ['Green', false],
    ['blue', false],
    ['', false],
    [null, false],
    [undefined, false],
    [0, false],
    [{}, false],
  ])('%j -> %s', (value, expected) => {
    expect(isColor(value)).toBe(expected);
  });
});

describe('colorRank', () => {
  it.each([
    ['green', 0],
    ['yellow', 1],
    ['red', 2],
  ] as [Color, number][])('%s -> %d', (color, rank) => {
    expect(colorRank(color)).toBe(rank);
  });

  it('COLORS is ordered by severity', () => {
    expect(COLORS).toEqual(['green', 'yellow', 'red']);
  });
});

describe('canRequestRaise', () => {
  it.each([
    ['green', 'green', false],
    ['green', 'yellow', true],
    ['green', 'red', true],
    ['yellow', 'green', false], // only expiry or an admin lowers
    ['yellow', 'yellow', true], // extends the quarantine
    ['yellow', 'red', true],
    ['red', 'green', false],
    ['red', 'yellow', false], // never red -> yellow
    ['red', 'red', false], // red has no expiry: nothing to extend
  ] as [Color, Color, boolean][])('%s -> %s: %s', (from, to, expected) => {
    expect(canRequestRaise(from, to)).toBe(expected);
  });
});

describe('effectiveColor', () => {
  const now = 1_700_000_000_000;
  it.each([
    ['yellow', now + 1, 'yellow'], // 1 ms left
    ['yellow', now, 'green'], // exactly at expiry: already expired
    ['yellow', now - 1, 'green'],
    ['yellow', null, 'yellow'], // no expiry recorded
    ['red', now - 1, 'red'], // red never expires, even with a stale date
    ['red', null, 'red'],
    ['green', now - 1, 'green'],
    ['green', null, 'green'],
  ] as [Color, number | null, Color][])('%s expiring at %s -> %s', (color, expiresAt, expected) => {
    expect(effectiveColor(color, expiresAt, now)).toBe(expected);
  });
});
