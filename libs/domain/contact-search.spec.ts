import { cellArea, encodeCell, gapMeters, METERS_PER_DEGREE, type Area } from '#libs/geo/index.js';
import { inContact, type ContactRule } from './co-location.js';
import {
  contactSearchRanges,
  sourceReachMs,
  sourceSearchRanges,
  type ContactPing,
  type SourcePing,
} from './contact-search.js';
import { slotOf, type TimeGrid } from './time-grid.js';

const grid: TimeGrid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };
const rule: ContactRule = { radiusMeters: 20, seconds: 10 };
const W = 1000; // window 1000 = [60 000 000, 60 060 000) ms
const t0 = W * 60_000;
const LAT = 48.8566;
const LON = 2.3522;
const point = (northM: number, eastM: number): Area => ({
  lat: LAT + northM / METERS_PER_DEGREE,
  lon: LON + eastM / (METERS_PER_DEGREE * Math.cos((LAT * Math.PI) / 180)),
  halfLat: 0,
  halfLon: 0,
});
const cellOf = (a: Area) => encodeCell(a.lat, a.lon, 8);
/** A point with a reported accuracy (0: none), at most MAX_ACCURACY_METERS. */
const withAccuracy = (a: Area, accuracyMeters: number): Area => (accuracyMeters ? { ...a, accuracyMeters } : a);
const source = (sourceId: string, tsMs: number, area: Area): SourcePing => ({
  sourceId,
  tsMs,
  cell: cellOf(area),
  area,
});

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('contactSearchRanges', () => {
  it('a source ping reaches the cells within the radius over the contact time either side', () => {
    const ranges = contactSearchRanges([source('7', t0 + 25_000, point(0, 0))], W, grid, rule, 8);
    expect(ranges.length).toBeGreaterThanOrEqual(4);
    for (const r of ranges) expect([r.fromMs, r.toMs, r.sourceId]).toEqual([t0 + 15_000, t0 + 35_001, '7']);
  });

  it('clips to the window: a source ping just before it reaches its start only', () => {
    const [r] = contactSearchRanges([source('7', t0 - 1, point(0, 0))], W, grid, rule, 8);
    expect([r.fromMs, r.toMs]).toEqual([t0, t0 + 10_000]);
    expect(contactSearchRanges([source('7', t0 - 10_001, point(0, 0))], W, grid, rule, 8)).toEqual([]);
  });

  it('merges the touching spans of a source that stays put: one probe per cell, the pings kept', () => {
    const still = [3_000, 13_000, 23_000].map((d) => source('7', t0 + d, point(0, 0)));
    const moved = source('7', t0 + 50_000, point(0, 0));
    const ranges = contactSearchRanges([...still, moved], W, grid, rule, 8);
    const cells = new Set(ranges.map((r) => r.cell));
    expect(ranges).toHaveLength(2 * cells.size);
    const first = ranges.filter((r) => r.times.length === 3);
    expect(first).toHaveLength(cells.size);
    for (const r of first) expect([r.fromMs - t0, r.toMs - t0, r.times]).toEqual([0, 33_001, still.map((s) => s.tsMs)]);
  });

  it('is exact with the distance test beside it: a contact ping is found iff the contact rule holds', () => {
    const next = random(5);
    const sources = [3_000, 33_000, 34_000].map((d, i) =>
      source(String(i), t0 + d, withAccuracy(point(next() * 30, next() * 30), i * 4)),
    );
    const ranges = contactSearchRanges(sources, W, grid, rule, 8);
    for (let i = 0; i < 3000; i++) {
      const area = withAccuracy(point(next() * 100 - 35, next() * 100 - 35), Math.floor(next() * 11));
      const ts = t0 + Math.floor(next() * 60_000);
      const cell = cellOf(area);
      const found = ranges.some(
        (r) => r.cell === cell && ts >= r.fromMs && ts < r.toMs && gapMeters(r.source, area) <= rule.radiusMeters,
      );
      const truth = sources.some((s) => inContact({ tsMs: ts, area }, { tsMs: s.tsMs, area: s.area }, rule));
      expect(found).toBe(truth);
    }
  });
});

describe('sourceSearchRanges', () => {
  it('is exact with the distance test beside it, also across the window edges', () => {
    const next = random(9);
    const contacts: ContactPing[] = [1_000, 34_000, 59_000].map((d, i) => {
      const area = withAccuracy(point(next() * 30, next() * 30), i * 5);
      return { contactId: String(i), tsMs: t0 + d, cell: cellOf(area), area };
    });
    const ranges = sourceSearchRanges(contacts, W, grid, rule, 8);
    for (let i = 0; i < 3000; i++) {
      const area = withAccuracy(point(next() * 100 - 35, next() * 100 - 35), Math.floor(next() * 11));
      const ts = t0 - 20_000 + Math.floor(next() * 100_000);
      const cell = cellOf(area);
      const found = ranges.some(
        (r) => r.cell === cell && ts >= r.fromMs && ts < r.toMs && gapMeters(r.contact, area) <= rule.radiusMeters,
      );
      const truth = contacts.some((c) => inContact({ tsMs: ts, area }, { tsMs: c.tsMs, area: c.area }, rule));
      expect(found).toBe(truth);
    }
  });

  it('counts the contact slot and skips pings of other windows', () => {
    const area = cellArea('u4pruydq');
    const ranges = sourceSearchRanges(
      [
        { contactId: '3', tsMs: t0 + 21_000, cell: 'u4pruydq', area },
        { contactId: '3', tsMs: t0 - 1, cell: 'u4pruydq', area },
        { contactId: '3', tsMs: t0 + 60_000, cell: 'u4pruydq', area },
      ],
      W,
      grid,
      rule,
      8,
    );
    expect(ranges.length).toBeGreaterThan(0);
    expect(new Set(ranges.map((r) => r.slot))).toEqual(new Set([slotOf(t0 + 21_000, grid)]));
  });
});

describe('sourceReachMs', () => {
  it('is the window widened by the contact time on each side', () => {
    expect(sourceReachMs(W, grid, rule)).toEqual({ fromMs: t0 - 10_000, toMs: t0 + 70_001 });
  });
});
