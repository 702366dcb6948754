import { cellNeighbourhood } from '#libs/geo/index.js';
import { areCoLocated } from './co-location.js';
import { contactSearchRanges, sourceReachMs, sourceSearchRanges, type SourcePing } from './contact-search.js';
import { slotOf, type TimeGrid } from './time-grid.js';

const grid: TimeGrid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };
const W = 1000; // window 1000 = [60 000 000, 60 060 000) ms
const t0 = W * 60_000;
const cell = 'u4pruydq';

describe('contactSearchRanges', () => {
  it('a ping mid-window reaches 9 cells over its slot and the two adjacent ones', () => {
    const ranges = contactSearchRanges([{ sourceId: '7', tsMs: t0 + 25_000, cell }], W, grid);
    expect(ranges).toHaveLength(9);
    expect(new Set(ranges.map((r) => r.cell))).toEqual(new Set(cellNeighbourhood(cell)));
    for (const r of ranges)
      expect([r.fromMs, r.toMs, r.sourceCell, r.sourceId]).toEqual([t0 + 10_000, t0 + 40_000, cell, '7']);
  });

  it('clips to the window: a source ping just before the window reaches its first slot only', () => {
    const [r] = contactSearchRanges([{ sourceId: '7', tsMs: t0 - 1, cell }], W, grid);
    expect([r.fromMs, r.toMs]).toEqual([t0, t0 + 10_000]);
    expect(contactSearchRanges([{ sourceId: '7', tsMs: t0 - 10_001, cell }], W, grid)).toEqual([]);
    const [last] = contactSearchRanges([{ sourceId: '7', tsMs: t0 + 60_000, cell }], W, grid);
    expect([last.fromMs, last.toMs]).toEqual([t0 + 50_000, t0 + 60_000]);
  });

  it('merges touching ranges of one source in one cell, keeps other sources and cells apart', () => {
    const sources: SourcePing[] = [0, 10_000, 20_000, 50_000].map((d) => ({
      sourceId: '7',
      tsMs: t0 + d + 3_000,
      cell,
    }));
    sources.push({ sourceId: '8', tsMs: t0 + 3_000, cell });
    const ranges = contactSearchRanges(sources, W, grid).filter((r) => r.cell === cell);
    expect(ranges.filter((r) => r.sourceId === '7').map((r) => [r.fromMs - t0, r.toMs - t0])).toEqual([[0, 60_000]]);
    expect(ranges.filter((r) => r.sourceId === '8').map((r) => [r.fromMs - t0, r.toMs - t0])).toEqual([[0, 20_000]]);
  });

  it('is exact: a contact ping is inside a range iff it is co-located with a source ping', () => {
    const sources: SourcePing[] = [3_000, 33_000, 34_000].map((d) => ({ sourceId: '7', tsMs: t0 + d, cell }));
    const ranges = contactSearchRanges(sources, W, grid);
    const cells = [...cellNeighbourhood(cell), 'u4pruydx', 'u4pruyd0'];
    for (let ts = t0; ts < t0 + 60_000; ts += 1_000) {
      for (const c of cells) {
        const inRange = ranges.some((r) => r.cell === c && ts >= r.fromMs && ts < r.toMs);
        const coLocated = sources.some((s) =>
          areCoLocated(
            { cell: c, slot: slotOf(ts, grid) },
            { cell: s.cell, slot: slotOf(s.tsMs, grid) },
            { radiusMeters: null },
          ),
        );
        expect(`${c}@${ts - t0}:${inRange}`).toBe(`${c}@${ts - t0}:${coLocated}`);
      }
    }
  });
});

describe('sourceSearchRanges', () => {
  it('is exact: a source ping is inside a range iff it is co-located with the contact ping, also across the window edges', () => {
    const contacts = [1_000, 34_000, 59_000].map((d) => ({ contactId: '3', tsMs: t0 + d, cell }));
    const ranges = sourceSearchRanges(contacts, W, grid);
    const cells = [...cellNeighbourhood(cell), 'u4pruydx', 'u4pruyd0'];
    for (let ts = t0 - 20_000; ts < t0 + 80_000; ts += 1_000) {
      for (const c of cells) {
        const inRange = ranges.some((r) => r.cell === c && ts >= r.fromMs && ts < r.toMs);
        const coLocated = contacts.some((k) =>
          areCoLocated(
            { cell: c, slot: slotOf(ts, grid) },
            { cell: k.cell, slot: slotOf(k.tsMs, grid) },
            { radiusMeters: null },
          ),
        );
        expect(`${c}@${ts - t0}:${inRange}`).toBe(`${c}@${ts - t0}:${coLocated}`);
      }
    }
  });

  it('counts the contact slot, skips pings of other windows and repeats of one (cell, slot)', () => {
    const ranges = sourceSearchRanges(
      [
        { contactId: '3', tsMs: t0 + 21_000, cell },
        { contactId: '3', tsMs: t0 + 29_000, cell },
        { contactId: '3', tsMs: t0 - 1, cell },
        { contactId: '3', tsMs: t0 + 60_000, cell },
      ],
      W,
      grid,
    );
    expect(ranges).toHaveLength(9);
    expect(new Set(ranges.map((r) => r.slot))).toEqual(new Set([slotOf(t0 + 21_000, grid)]));
  });
});

describe('sourceReachMs', () => {
  it('is the window widened by one slot on each side', () => {
    expect(sourceReachMs(W, grid)).toEqual({ fromMs: t0 - 10_000, toMs: t0 + 70_000 });
  });
});
