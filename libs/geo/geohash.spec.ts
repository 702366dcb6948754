import { cellBounds, cellCentre, encodeCell, isGeohash, normalizeCell } from './geohash.js';

describe('isGeohash', () => {
  it.each([
    ['s', true],
    ['u4pruydqqvj8', true], // 12 chars
    ['0123456789bc', true],
    ['defghjkmnpqr', true],
    ['stuvwxyz', true],
    ['', false],
    ['u4pruydqqvj8b', false], // 13 chars
    ['S0000000', false], // uppercase rejected
    ['s000a000', false], // 'a' is not in the alphabet
    ['s000i000', false],
    ['s000l000', false],
    ['s000o000', false],
    ['s000 000', false],
    ['s000-000', false],
  ])('%j -> %s', (value, expected) => {
    expect(isGeohash(value)).toBe(expected);
  });
});

describe('encodeCell', () => {
  it.each([
    [57.64911, 10.40744, 11, 'u4pruydqqvj'], // the classic Wikipedia example
    [0.0001, 0.0001, 8, 's0000000'],
    [0.0001, -0.0001, 8, 'ebpbpbpb'],
    [-0.0001, -0.0001, 8, '7zzzzzzz'],
    [-0.0001, 0.0001, 8, 'kpbpbpbp'],
    [90, 180, 1, 'z'],
    [-90, -180, 1, '0'],
    [48.8584, 2.2945, 5, 'u09tu'],
  ])('(%d, %d) @%d -> %s', (lat, lon, precision, expected) => {
    expect(encodeCell(lat, lon, precision)).toBe(expected);
  });

  it.each([
    [91, 0, 8],
    [-90.0001, 0, 8],
    [0, 180.0001, 8],
    [0, -181, 8],
    [Number.NaN, 0, 8],
    [0, Number.POSITIVE_INFINITY, 8],
    [0, 0, 0],
    [0, 0, 13],
    [0, 0, 7.5],
  ])('rejects (%d, %d) @%d', (lat, lon, precision) => {
    expect(() => encodeCell(lat, lon, precision)).toThrow(RangeError);
  });
});

describe('normalizeCell', () => {
  it.each([
    ['u4pruydqqvj8', 8, 'u4pruydq'], // longer: truncated
    ['u4pruydq', 8, 'u4pruydq'], // exact
    ['u4pruyd', 8, null], // shorter: rejected
    ['U4PRUYDQ', 8, null], // uppercase: rejected, not lower-cased
    ['u4pruydA', 8, null],
    ['u4pruyda', 8, null], // 'a' not in alphabet
    ['', 1, null],
    ['u4pruydqqvj8b', 8, null], // 13 chars is not a geohash
    ['s', 1, 's'],
  ])('%j @%d -> %j', (geohash, precision, expected) => {
    expect(normalizeCell(geohash, precision)).toBe(expected);
  });

  it('rejects an impossible precision as a programming error', () => {
    expect(() => normalizeCell('u4pruydq', 0)).toThrow(RangeError);
  });
});

describe('cellCentre / cellBounds', () => {
  it.each([
    ['s', 22.5, 22.5],
    ['e', 22.5, -22.5],
    ['0', -67.5, -157.5],
    ['z', 67.5, 157.5],
    ['s0', 2.8125, 5.625],
  ])('%s -> (%d, %d)', (cell, lat, lon) => {
    expect(cellCentre(cell)).toEqual({ lat, lon });
  });

  it('gives the box of a precision-8 cell (about 38 m x 19 m)', () => {
    const b = cellBounds('s0000000');
    expect(b.minLat).toBe(0);
    expect(b.minLon).toBe(0);
    expect(b.maxLat).toBeCloseTo(180 / 2 ** 20, 12);
    expect(b.maxLon).toBeCloseTo(360 / 2 ** 20, 12);
  });

  it('round-trips: the centre encodes back to the same cell', () => {
    for (const cell of ['u4pruydq', '7zzzzzzz', 'b', 'zzzzzzzzzzzz', '000000000000']) {
      const c = cellCentre(cell);
      expect(encodeCell(c.lat, c.lon, cell.length)).toBe(cell);
    }
  });

  it('throws for something that is not a geohash', () => {
    expect(() => cellCentre('S0')).toThrow(RangeError);
  });
});
