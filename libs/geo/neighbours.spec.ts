import ngeohash from 'ngeohash';
import { encodeCell } from './geohash.js';
import { areNeighbourCells, cellNeighbourhood } from './neighbours.js';

const DIRECTIONS: [number, number][] = [
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
];

// ngeohash clamps latitude at the poles (repeating existing cells) and wraps longitude,
// so the de-duplicated set of the cell plus its neighbours is an independent reference.
const reference = (cell: string): string[] => [...new Set([cell, ...ngeohash.neighbors(cell)])].sort();

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';
const allPrecision1 = [...ALPHABET];
const allPrecision2 = allPrecision1.flatMap((a) => [...ALPHABET].map((b) => a + b));

describe('cellNeighbourhood', () => {
  it('gives the cell first and its 8 neighbours for an ordinary cell', () => {
    const n = cellNeighbourhood('u4pruydq');
    expect(n[0]).toBe('u4pruydq');
    expect(n).toHaveLength(9);
    expect(new Set(n).size).toBe(9);
    expect([...n].sort()).toEqual(reference('u4pruydq'));
  });

  it('crosses a precision-1 boundary at lat 0 / lon 0', () => {
    expect([...cellNeighbourhood('s0000000')].sort()).toEqual(
      [
        's0000000',
        's0000001',
        's0000003',
        's0000002',
        'kpbpbpbr',
        'kpbpbpbp',
        '7zzzzzzz',
        'ebpbpbpb',
        'ebpbpbpc',
      ].sort(),
    );
  });

  it('wraps the antimeridian', () => {
    const east = encodeCell(10.0001, 179.9999, 8);
    const west = encodeCell(10.0001, -179.9999, 8);
    expect(east[0]).toBe('x');
    expect(west[0]).toBe('8');
    expect(cellNeighbourhood(east)).toContain(west);
    expect(cellNeighbourhood(west)).toContain(east);
  });

  it.each([
    ['b', ['b', 'c', 'z', '8', '9', 'x']], // north-west corner of the world: pole and antimeridian
    ['z', ['z', 'y', 'b', 'x', 'w', '8']],
    ['0', ['0', '1', 'p', '2', '3', 'r']], // south pole row
  ])('at a pole, %s has only the 6 cells that exist', (cell, expected) => {
    const n = cellNeighbourhood(cell);
    expect(n).toHaveLength(6);
    expect([...n].sort()).toEqual([...expected].sort());
  });

  it('a precision-8 cell touching the north pole has 6 cells', () => {
    const cell = encodeCell(89.9999, 0.0001, 8);
    expect(cell).toBe('upbpbpbp');
    expect(cellNeighbourhood(cell)).toHaveLength(6);
  });

  it.each([
    ['precision 1', allPrecision1],
    ['precision 2', allPrecision2],
    [
      'sampled precision 8',
      ['u4pruydq', 'ezzzzzzz', 's0000000', 'xbpbpbpb', '8000000', 'zzzzzzzz', '00000000', 'pbpbpbpb'],
    ],
  ])('matches the ngeohash reference for every cell at %s', (_label, cells) => {
    for (const cell of cells) {
      expect([cell, [...cellNeighbourhood(cell)].sort()]).toEqual([cell, reference(cell)]);
    }
  });

  it('throws for something that is not a geohash', () => {
    expect(() => cellNeighbourhood('A')).toThrow(RangeError);
  });
});

describe('areNeighbourCells', () => {
  it.each([
    // same cell
    ['u4pruydq', 'u4pruydq', true],
    // the four cells meeting at lat 0 / lon 0 all have different first characters
    ['s0000000', 'ebpbpbpb', true],
    ['s0000000', '7zzzzzzz', true], // diagonal
    ['s0000000', 'kpbpbpbp', true],
    ['ebpbpbpb', 'kpbpbpbp', true], // diagonal
    // 'ezzzzzzz' is the north-east corner of 'e' (lat 45, lon 0): neighbours are s, g and u cells
    ['ezzzzzzz', 'spbpbpbp', true],
    ['ezzzzzzz', 'gbpbpbpb', true],
    ['ezzzzzzz', 'u0000000', true],
    // ... but not 's0000000', which sits at lat 0: a shared prefix boundary is not adjacency
    ['ezzzzzzz', 's0000000', false],
    // same prefix, far apart
    ['s0000000', 's0000005', false],
    // two cells apart
    ['s0000000', 's0000004', false],
    // precision mismatch, even for a containing cell
    ['s0000000', 's000000', false],
    ['s000000', 's0000000', false],
    // not geohashes
    ['S0000000', 's0000000', false],
    ['', '', false],
  ])('%s ~ %s -> %s', (a, b, expected) => {
    expect(areNeighbourCells(a, b)).toBe(expected);
    expect(areNeighbourCells(b, a)).toBe(expected);
  });

  it('antimeridian cells are neighbours', () => {
    expect(areNeighbourCells(encodeCell(-33.3, 179.99999, 8), encodeCell(-33.3, -179.99999, 8))).toBe(true);
    expect(areNeighbourCells(encodeCell(-33.3, 179.99999, 8), encodeCell(-33.3, -179.9, 8))).toBe(false);
  });

  it.each(['u4pruydq', 'ezzzzzzz', 'kpbpbpbp', 'xbpbpbpb', 'gzzzzz'])(
    'every ngeohash neighbour of %s is a neighbour',
    (cell) => {
      for (const dir of DIRECTIONS) {
        expect(areNeighbourCells(cell, ngeohash.neighbor(cell, dir))).toBe(true);
      }
    },
  );
});
