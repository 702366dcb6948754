import { encodeCell } from '#libs/geo/index.js';
import { areCoLocated, type CellSlot, type ContactRule } from './co-location.js';

const BOX: ContactRule = { radiusMeters: null };
const at = (cell: string, slot: number): CellSlot => ({ cell, slot });

describe('areCoLocated (box rule)', () => {
  it.each([
    ['same cell, same slot', at('u4pruydq', 10), at('u4pruydq', 10), true],
    ['same cell, next slot', at('u4pruydq', 10), at('u4pruydq', 11), true],
    ['same cell, previous slot', at('u4pruydq', 10), at('u4pruydq', 9), true],
    ['same cell, two slots apart', at('u4pruydq', 10), at('u4pruydq', 12), false],
    ['neighbours across lat 0 / lon 0', at('s0000000', 10), at('7zzzzzzz', 11), true],
    ['shared prefix is not adjacency', at('ezzzzzzz', 10), at('s0000000', 10), false],
    ['two cells apart', at('s0000000', 10), at('s0000004', 10), false],
    ['precision mismatch', at('s0000000', 10), at('s000000', 10), false],
    ['negative slots (pre-1970)', at('s0000000', -1), at('s0000000', 0), true],
    [
      'across the antimeridian',
      at(encodeCell(-33.3, 179.99999, 8), 10),
      at(encodeCell(-33.3, -179.99999, 8), 10),
      true,
    ],
  ])('%s -> %s', (_label, a, b, expected) => {
    expect(areCoLocated(a, b, BOX)).toBe(expected);
    expect(areCoLocated(b, a, BOX)).toBe(expected);
  });
});

describe('areCoLocated (radius rule)', () => {
  // Precision-8 cells at the equator are ~38.18 m wide and ~19.09 m tall: centres of east-west
  // neighbours are ~38.18 m apart, north-south ~19.09 m, diagonal ~42.68 m.
  it.each([
    ['same cell, radius 0', at('s0000000', 1), at('s0000000', 1), 0, true],
    ['north neighbour, 19.1 m', at('s0000000', 1), at('s0000001', 1), 19.1, true],
    ['north neighbour, 19 m', at('s0000000', 1), at('s0000001', 1), 19, false],
    ['east neighbour, 38.2 m', at('s0000000', 1), at('s0000002', 1), 38.2, true],
    ['east neighbour, 38.1 m', at('s0000000', 1), at('s0000002', 1), 38.1, false],
    ['diagonal neighbour in the next slot, 43 m', at('s0000000', 1), at('s0000003', 2), 43, true],
    ['diagonal neighbour, 43 m', at('s0000000', 1), at('s0000003', 1), 43, true],
    ['diagonal neighbour, 42 m', at('s0000000', 1), at('s0000003', 1), 42, false],
    // The radius narrows the box; it never reaches past the neighbours or the adjacent slots.
    ['two cells apart, huge radius', at('s0000000', 1), at('s0000004', 1), 10_000, false],
    ['slots too far apart, huge radius', at('s0000000', 1), at('s0000000', 3), 10_000, false],
  ])('%s -> %s', (_label, a, b, radiusMeters, expected) => {
    expect(areCoLocated(a, b, { radiusMeters })).toBe(expected);
  });
});
