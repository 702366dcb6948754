import { areNeighbourCells, cellNeighbourhood, encodeCell } from '#libs/geo/index.js';
import { cellAt, gridCell } from './oracle-cells.js';
import { runOracle, type OraclePing, type OracleRules } from './oracle.js';

const RULES: OracleRules = {
  windowSeconds: 60,
  slotSeconds: 10,
  autoSeconds: 30,
  reviewSeconds: 20,
  radiusMeters: 20,
  contactSeconds: 10,
  autoApplyMaxPerWindow: 100,
  quarantineSeconds: 1000,
};
const W = 29_000_000; // a window id: window W starts at W * 60 s
const T0 = W * 60_000;
const at = (slotInWindow: number, msInSlot = 5_000) => T0 + slotInWindow * 10_000 + msInSlot;
// Column and row of a precision-8 cell whose east and north neighbours have other 4- and 5-character prefixes.
const X = 1024 * 300 - 1;
const Y = 1024 * 700 - 1;
const cell = (dx = 0, dy = 0) => cellAt(8, X + dx, Y + dy);

function oracle(
  pings: OraclePing[],
  red: Record<string, number>,
  opts: { colors?: Record<string, 'yellow' | 'red'>; rules?: Partial<OracleRules> } = {},
) {
  return runOracle({
    pings,
    infectiousFromMs: new Map(Object.entries(red)),
    colors: new Map(Object.entries(opts.colors ?? {})),
    rules: { ...RULES, ...opts.rules },
  });
}
const p = (userId: string, tsMs: number, c = cell()): OraclePing => ({ userId, tsMs, cell: c });
const EARLY = T0 - 86_400_000;

describe('oracle cells', () => {
  it('decodes and encodes cells as the geohash definition says (checked against ngeohash through libs/geo)', () => {
    for (const [lat, lon] of [
      [52.52, 13.405],
      [-33.9, 151.2],
      [45, 0],
      [0.0001, -179.9999],
      [89.99, 179.99],
    ] as const) {
      for (const precision of [1, 4, 5, 7, 8, 9, 12]) {
        const c = encodeCell(lat, lon, precision);
        const g = gridCell(c);
        expect(cellAt(precision, g.x, g.y)).toBe(c);
        for (const n of cellNeighbourhood(c)) expect(areNeighbourCells(c, n)).toBe(true);
      }
    }
  });

  it('agrees with libs/geo on which cells touch, across prefix borders and the antimeridian', () => {
    const cases: [string, string][] = [];
    for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) cases.push([cell(), cell(dx, dy)]);
    cases.push(
      [cellAt(8, 0, 5), cellAt(8, 2 ** 20 - 1, 6)],
      [cellAt(6, 0, 5), cellAt(6, 2 ** 15 - 1, 5)],
      [cell(), cell().slice(0, 7)],
    );
    for (const [a, b] of cases) {
      const g = gridCell(a);
      const h = gridCell(b);
      const expected =
        a.length === b.length &&
        Math.abs(g.y - h.y) <= 1 &&
        (Math.abs(g.x - h.x) <= 1 || Math.abs(g.x - h.x) === 2 ** g.lonBits - 1);
      expect([a, b, areNeighbourCells(a, b)]).toEqual([a, b, expected]);
    }
  });
});

describe('oracle rules (docs/domain.md)', () => {
  it('the test cells straddle 4- and 5-character prefix borders', () => {
    expect(cell(1, 1).slice(0, 4)).not.toBe(cell().slice(0, 4));
    expect(cell(1, 0).slice(0, 5)).not.toBe(cell().slice(0, 5));
    expect(cell(0, 1).slice(0, 5)).not.toBe(cell().slice(0, 5));
  });

  it('cells within 20 m are in contact: touching ones, or a row between (19 m); a column between (32 m) is not', () => {
    for (let dx = -2; dx <= 2; dx++) {
      for (let dy = -2; dy <= 2; dy++) {
        const { exposures } = oracle([p('1', at(2)), p('2', at(2), cell(dx, dy))], { '1': EARLY });
        const near = Math.abs(dx) <= 1 && Math.abs(dy) <= 2;
        expect([dx, dy, exposures]).toEqual([
          dx,
          dy,
          near ? [{ windowId: W, contactId: '2', sourceId: '1', seconds: 10, slots: [W * 6 + 2] }] : [],
        ]);
      }
    }
  });

  it('longitude wraps at the antimeridian; a coarser cell holding the other is in contact', () => {
    const east = cellAt(8, 2 ** 20 - 1, Y);
    const west = cellAt(8, 0, Y);
    expect(oracle([p('1', at(1), east), p('2', at(1), west)], { '1': EARLY }).exposures).toHaveLength(1);
    expect(oracle([p('1', at(1)), p('2', at(1), cell().slice(0, 7))], { '1': EARLY }).exposures).toHaveLength(1);
  });

  it('pings at most the contact time apart are in contact (here one slot, bounds included)', () => {
    const slotsOf = (sourceSlot: number) =>
      oracle([p('1', at(sourceSlot)), p('2', at(3))], { '1': EARLY }).exposures.map((e) => e.slots);
    expect([1, 2, 3, 4, 5].map(slotsOf)).toEqual([[], [[W * 6 + 3]], [[W * 6 + 3]], [[W * 6 + 3]], []]);
  });

  it('matches across window edges, counting the contact slot in the contact ping window', () => {
    const lastMs = T0 + 60_000 - 1;
    const nextFirst = T0 + 60_000;
    const { exposures } = oracle([p('1', nextFirst), p('2', lastMs), p('3', T0 - 1), p('1', T0)], { '1': EARLY });
    expect(exposures).toEqual([
      { windowId: W - 1, contactId: '3', sourceId: '1', seconds: 10, slots: [W * 6 - 1] },
      { windowId: W, contactId: '2', sourceId: '1', seconds: 10, slots: [W * 6 + 5] },
    ]);
  });

  it('a source ping counts from the infectious start on, that instant included', () => {
    const from = at(2, 3_000);
    const run = (sourceTs: number) => oracle([p('1', sourceTs), p('2', at(2))], { '1': from }).exposures.length;
    expect([run(from - 1), run(from), run(from + 1)]).toEqual([0, 1, 1]);
  });

  it('exposure is distinct contact slots x slot length, per source and over all sources', () => {
    // Contact 3 pings twice in slot 1 (moving cells), once in slots 2 and 3; source 1 pings in
    // slot 1 (so covers contact slots 1-2), source 2 in slot 3 (covers 2-3).
    const pings = [
      p('1', at(1)),
      p('2', at(3)),
      p('3', at(1, 1_000)),
      p('3', at(1, 9_000), cell(1)),
      p('3', at(2)),
      p('3', at(3)),
    ];
    const { exposures, requests } = oracle(pings, { '1': EARLY, '2': EARLY });
    expect(exposures.map((e) => [e.contactId, e.sourceId, e.seconds])).toEqual([
      ['3', '1', 20],
      ['3', '2', 20],
    ]);
    expect(requests).toEqual([
      {
        windowId: W,
        userId: '3',
        toColor: 'yellow',
        auto: true,
        status: 'applied',
        exposureSeconds: 30,
        expiresAtMs: at(4, 0) + 1_000_000,
      },
    ]);
  });

  it('policy: >= auto applied, >= review pending, below nothing; red contacts get none, yellow ones do', () => {
    const stay = (userId: string, slots: number) => Array.from({ length: slots }, (_, i) => p(userId, at(i * 2)));
    const source = [0, 1, 2, 3, 4, 5].map((s) => p('9', at(s)));
    const { exposures, requests } = oracle(
      [...source, ...stay('1', 1), ...stay('2', 2), ...stay('3', 3), ...stay('4', 3), ...stay('5', 2)],
      { '9': EARLY },
      { colors: { '4': 'red', '5': 'yellow' } },
    );
    expect(exposures.map((e) => [e.contactId, e.seconds])).toEqual([
      ['1', 10],
      ['2', 20],
      ['3', 30],
      ['4', 30],
      ['5', 20],
    ]);
    expect(requests.map((r) => [r.userId, r.auto, r.status, r.exposureSeconds])).toEqual([
      ['2', false, 'pending', 20],
      ['3', true, 'applied', 30],
      ['5', false, 'pending', 20],
    ]);
  });

  it('one request per (user, window); a person is never their own contact', () => {
    const pings = [0, 1, 2].flatMap((s) => [
      p('1', at(s)),
      p('2', at(s)),
      p('1', at(s) + 60_000),
      p('2', at(s) + 60_000),
    ]);
    const { exposures, requests } = oracle(pings, { '1': EARLY });
    expect(exposures.map((e) => [e.windowId, e.contactId, e.sourceId])).toEqual([
      [W, '2', '1'],
      [W + 1, '2', '1'],
    ]);
    expect(requests.map((r) => [r.windowId, r.userId])).toEqual([
      [W, '2'],
      [W + 1, '2'],
    ]);
  });

  it('two red people are each other’s contacts (evidence) without a request', () => {
    const { exposures, requests } = oracle(
      [p('1', at(1)), p('2', at(1))],
      { '1': EARLY, '2': EARLY },
      { rules: { reviewSeconds: 10 } },
    );
    expect(exposures.map((e) => [e.contactId, e.sourceId])).toEqual([
      ['1', '2'],
      ['2', '1'],
    ]);
    expect(requests).toEqual([]);
  });

  it("the radius is measured between the cells' rectangles", () => {
    // Precision-8 cells here are about 32 m wide and 19 m tall.
    const run = (radiusMeters: number, other: string) =>
      oracle([p('1', at(1)), p('2', at(1), other)], { '1': EARLY }, { rules: { radiusMeters } }).exposures.length;
    expect([run(20, cell(1)), run(20, cell(2)), run(40, cell(2)), run(20, cell(0, 2)), run(10, cell(0, 2))]).toEqual([
      1, 0, 1, 1, 0,
    ]);
  });

  it('circuit breaker: more automatic requests in a window than allowed sends all of them to review', () => {
    const pings = [0, 1, 2].flatMap((s) => ['1', '2', '3', '4'].map((u) => p(u, at(s))));
    const run = (max: number) =>
      oracle(pings, { '1': EARLY }, { rules: { autoApplyMaxPerWindow: max } }).requests.map(
        (r) => `${r.auto}/${r.status}`,
      );
    expect(run(3)).toEqual(['true/applied', 'true/applied', 'true/applied']);
    expect(run(2)).toEqual(['false/pending', 'false/pending', 'false/pending']);
  });
});
