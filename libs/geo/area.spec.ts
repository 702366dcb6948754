import {
  cellArea,
  cellsWithin,
  gapMeters,
  geohashArea,
  METERS_PER_DEGREE,
  minDistanceMeters,
  POSITION_PRECISION,
  sharedCellSpanMeters,
  type Area,
} from './area.js';
import { distanceMeters } from './distance.js';
import { cellBounds, encodeCell } from './geohash.js';
import { cellNeighbourhood } from './neighbours.js';

/** A seeded generator (mulberry32): the same 2000 random cases on every run. */
function seeded(seed: number): (min: number, max: number) => number {
  let a = seed >>> 0;
  return (min, max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return min + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (max - min);
  };
}
const RUNS = 2000;

const point = (lat: number, lon: number): Area => ({ lat, lon, halfLat: 0, halfLon: 0 });
/** A point `m` metres north or east of another. */
const north = (a: Area, m: number): Area => point(a.lat + m / METERS_PER_DEGREE, a.lon);
const east = (a: Area, m: number): Area =>
  point(a.lat, a.lon + m / (METERS_PER_DEGREE * Math.cos((a.lat * Math.PI) / 180)));

describe('gapMeters', () => {
  const here = point(48.8566, 2.3522);
  it.each([
    ['the same point', here, here, 0],
    ['15 m north', here, north(here, 15), 15],
    ['30 m east', here, east(here, 30), 30],
  ])('%s', (_label, a, b, metres) => {
    expect(gapMeters(a, b)).toBeCloseTo(metres, 1);
    expect(gapMeters(b, a)).toBeCloseTo(metres, 1);
  });

  it('is 0 between a cell and a point inside it, and between touching cells', () => {
    const cell = encodeCell(here.lat, here.lon, 8);
    expect(gapMeters(cellArea(cell), here)).toBe(0);
    for (const n of cellNeighbourhood(cell)) expect(gapMeters(cellArea(cell), cellArea(n))).toBe(0);
  });

  it('measures from the edge of a cell, not its centre', () => {
    const cell = cellArea(encodeCell(here.lat, here.lon, 8));
    const top = point(cell.lat + cell.halfLat, cell.lon);
    expect(gapMeters(cell, north(top, 12))).toBeCloseTo(12, 1);
  });

  it('wraps at the antimeridian', () => {
    expect(gapMeters(point(-17.7, 179.99995), point(-17.7, -179.99995))).toBeLessThan(11);
  });
});

describe('cellsWithin', () => {
  // Every point within the radius lies in one of the cells, at many places and sizes of area.
  const places: [string, Area][] = [
    ['a point in Paris', point(48.8566, 2.3522)],
    ['a geohash-10 in Oslo', cellArea(encodeCell(59.91, 10.75, POSITION_PRECISION))],
    ['a geohash-8 on the equator', cellArea(encodeCell(0.00001, 0.00001, 8))],
    ['a point by the antimeridian', point(-17.7, 179.9999)],
    ['a point by the prime meridian', point(51.4779, -0.00001)],
    ['a point accurate to 10 m', { ...point(48.8566, 2.3522), accuracyMeters: 10 }],
    ['a geohash-8 accurate to 4 m', { ...cellArea(encodeCell(45.5, -73.6, 8)), accuracyMeters: 4 }],
  ];
  it.each(places)('covers every point within 20 m of %s', (_label, area) => {
    const cells = new Set(cellsWithin(area, 20, 8));
    for (let i = 0; i < 400; i++) {
      const angle = (i / 400) * 2 * Math.PI;
      const r = ((19.99 + (area.accuracyMeters ?? 0)) * ((i % 7) + 1)) / 7;
      const edgeLat = area.lat + Math.sign(Math.sin(angle)) * area.halfLat;
      const edgeLon = area.lon + Math.sign(Math.cos(angle)) * area.halfLon;
      let lat = edgeLat + (r * Math.sin(angle)) / METERS_PER_DEGREE;
      let lon = edgeLon + (r * Math.cos(angle)) / (METERS_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
      if (lon > 180) lon -= 360;
      if (lon < -180) lon += 360;
      lat = Math.max(-90, Math.min(90, lat));
      expect(gapMeters(area, point(lat, lon))).toBeLessThanOrEqual(20);
      expect(cells.has(encodeCell(lat, lon, 8))).toBe(true);
    }
  });

  it('grows an area by its accuracy: the gap is the rectangles less both accuracies, never below 0', () => {
    const a = point(48.8566, 2.3522);
    const b = point(48.8566 + 30 / METERS_PER_DEGREE, 2.3522);
    expect(gapMeters(a, b)).toBeCloseTo(30, 6);
    expect(gapMeters({ ...a, accuracyMeters: 4 }, { ...b, accuracyMeters: 6 })).toBeCloseTo(20, 6);
    expect(gapMeters({ ...a, accuracyMeters: 10 }, { ...b, accuracyMeters: 25 })).toBe(0);
  });

  it('takes a few cells for a point, more than the 3 x 3 box can hold in latitude', () => {
    const cells = cellsWithin(point(48.8566, 2.3522), 20, 8);
    expect(cells.length).toBeGreaterThanOrEqual(6);
    expect(cells.length).toBeLessThanOrEqual(12);
  });

  it('stays bounded next to a pole', () => {
    expect(cellsWithin(point(89.99999, 0), 20, 8).length).toBeLessThanOrEqual(3 * 1024);
  });
});

describe('minDistanceMeters', () => {
  it('is the great-circle distance between two points, at any length', () => {
    const paris = point(48.8566, 2.3522);
    const london = point(51.5074, -0.1278);
    expect(minDistanceMeters(paris, london)).toBeCloseTo(distanceMeters(paris, london), 3);
    expect(minDistanceMeters(point(0, 179.5), point(0, -179.5))).toBeCloseTo(
      distanceMeters({ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 }),
      3,
    );
  });

  it('is 0 between overlapping or touching cells, and for a point inside a cell', () => {
    const cell = encodeCell(48.8566, 2.3522, 6);
    expect(minDistanceMeters(cellArea(cell), cellArea(cell))).toBe(0);
    expect(minDistanceMeters(cellArea(cell), point(48.8566, 2.3522))).toBe(0);
    expect(minDistanceMeters(cellArea(cell.slice(0, 4)), cellArea(cell))).toBe(0);
  });

  it('takes both accuracies off, never below 0', () => {
    const a = point(48.8566, 2.3522);
    const b = north(a, 1000);
    expect(minDistanceMeters({ ...a, accuracyMeters: 10 }, { ...b, accuracyMeters: 5 })).toBeCloseTo(985, 0);
    expect(minDistanceMeters({ ...a, accuracyMeters: 10 }, north(a, 5))).toBe(0);
  });

  it('never exceeds the distance between any two points of the areas (a coarse cell never measures farther)', () => {
    const r = seeded(27);
    for (let run = 0; run < RUNS; run++) {
      const len = Math.floor(r(1, 10));
      const [ca, cb] = [encodeCell(r(-89, 89), r(-180, 180), len), encodeCell(r(-89, 89), r(-180, 180), len + 1)];
      const [ba, bb] = [cellBounds(ca), cellBounds(cb)];
      const pa = { lat: r(ba.minLat, ba.maxLat), lon: r(ba.minLon, ba.maxLon) };
      const pb = { lat: r(bb.minLat, bb.maxLat), lon: r(bb.minLon, bb.maxLon) };
      expect(minDistanceMeters(cellArea(ca), cellArea(cb))).toBeLessThanOrEqual(distanceMeters(pa, pb) + 1e-6);
    }
  });

  it('is close to the distance between the centres for small cells far apart', () => {
    const a = cellArea(encodeCell(48.8566, 2.3522, 8));
    const b = cellArea(encodeCell(51.5074, -0.1278, 8));
    const centres = distanceMeters(a, b);
    expect(minDistanceMeters(a, b)).toBeLessThanOrEqual(centres);
    expect(minDistanceMeters(a, b)).toBeGreaterThan(centres - 50);
  });
});

describe('sharedCellSpanMeters', () => {
  it('is the span of the cell both geohashes lie in, Infinity when they share none', () => {
    expect(sharedCellSpanMeters('u33dc0cp', 'u33dc0cp')).toBeLessThan(100);
    expect(sharedCellSpanMeters('u33dc0cp', 'u33dc1zz')).toBeGreaterThan(1000);
    expect(sharedCellSpanMeters('u33dc0cp', 's0000000')).toBe(Infinity);
  });

  it('is never less than the distance between the points (an upper bound)', () => {
    const r = seeded(28);
    for (let run = 0; run < RUNS; run++) {
      const a = { lat: r(-89.9, 89.9), lon: r(-180, 179.9) };
      const b = {
        lat: Math.max(-90, Math.min(90, a.lat + r(-0.5, 0.5))),
        lon: Math.max(-180, Math.min(180, a.lon + r(-0.5, 0.5))),
      };
      const span = sharedCellSpanMeters(encodeCell(a.lat, a.lon, 10), encodeCell(b.lat, b.lon, 10));
      expect(distanceMeters(a, b)).toBeLessThanOrEqual(span);
    }
  });
});

describe('geohashArea', () => {
  it('is cellArea, decoded without the check', () => {
    const r = seeded(29);
    for (let run = 0; run < RUNS; run++) {
      const cell = encodeCell(r(-90, 90), r(-180, 180), Math.floor(r(1, 13)));
      expect(geohashArea(cell)).toEqual(cellArea(cell));
    }
  });

  it('takes anything else for the whole world', () => {
    for (const bad of ['', 'u33a', 'U33D', 'u'.repeat(13)])
      expect(geohashArea(bad)).toEqual({ lat: 0, lon: 0, halfLat: 90, halfLon: 180 });
  });
});
