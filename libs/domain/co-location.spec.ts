import { cellArea, encodeCell, METERS_PER_DEGREE, type Area } from '#libs/geo/index.js';
import { inContact, type ContactRule, type PlacedPing } from './co-location.js';

const RULE: ContactRule = { radiusMeters: 20, seconds: 300 };
const LAT = 48.8566;
const LON = 2.3522;
const COS = Math.cos((LAT * Math.PI) / 180);

const point = (northM: number, eastM: number): Area => ({
  lat: LAT + northM / METERS_PER_DEGREE,
  lon: LON + eastM / (METERS_PER_DEGREE * COS),
  halfLat: 0,
  halfLon: 0,
});
const cellAt = (northM: number, eastM: number, precision = 8): Area => {
  const p = point(northM, eastM);
  return cellArea(encodeCell(p.lat, p.lon, precision));
};
const ping = (area: Area, tsMs = 1_000_000): PlacedPing => ({ tsMs, area });
const acc = (area: Area, accuracyMeters: number): Area => ({ ...area, accuracyMeters });

describe('inContact', () => {
  const home = cellAt(0, 0);
  /** A point `m` metres north of the top edge of the home cell. */
  const aboveHome = (m: number): Area => ({
    lat: home.lat + home.halfLat + m / METERS_PER_DEGREE,
    lon: home.lon,
    halfLat: 0,
    halfLon: 0,
  });

  it.each([
    ['point/point 15 m apart', ping(point(0, 0)), ping(point(15, 0)), true],
    ['point/point 30 m apart', ping(point(0, 0)), ping(point(0, 30)), false],
    ['point/point at exactly 20 m', ping(point(0, 0)), ping(point(20 - 1e-6, 0)), true],
    ['point/point just beyond 20 m', ping(point(0, 0)), ping(point(20.01, 0)), false],
    ['point inside a cell', ping(home), ping({ ...home, halfLat: 0, halfLon: 0 }), true],
    ['point 19.9 m from a cell edge', ping(home), ping(aboveHome(19.9)), true],
    ['point 20.1 m from a cell edge', ping(home), ping(aboveHome(20.1)), false],
    ['cell/cell, touching neighbours', ping(home), ping(cellAt(25, 0)), true],
    ['cell/cell, far apart', ping(home), ping(cellAt(0, 200)), false],
    ['across a cell border, 2 m apart', ping(point(0, 0)), ping(point(0, 2)), true],
    ['same place, one contact time apart', ping(point(0, 0), 0), ping(point(0, 0), 300_000), true],
    ['same place, just over the contact time', ping(point(0, 0), 0), ping(point(0, 0), 300_001), false],
    ['points 29 m apart, each accurate to 5 m', ping(acc(point(0, 0), 5)), ping(acc(point(0, 29), 5)), true],
    ['points 31 m apart, each accurate to 5 m', ping(acc(point(0, 0), 5)), ping(acc(point(0, 31), 5)), false],
    ['points 29 m apart, one accurate to 10 m', ping(point(0, 0)), ping(acc(point(29, 0), 10)), true],
    ['a cell and a point accurate to 3 m, 22 m from its edge', ping(home), ping(acc(aboveHome(22), 3)), true],
  ])('%s -> %s', (_label, a, b, expected) => {
    expect(inContact(a, b, RULE)).toBe(expected);
    expect(inContact(b, a, RULE)).toBe(expected);
  });

  it('counts time, not slots: across a slot border, seconds apart, is a contact', () => {
    expect(inContact(ping(point(0, 0), 299_999), ping(point(1, 0), 300_001), RULE)).toBe(true);
  });

  it('never loses a contact for a reported accuracy: it only widens the area', () => {
    for (let i = 0; i < 200; i++) {
      const a = point((i * 7) % 40, (i * 13) % 40);
      const b = point((i * 3) % 40, (i * 11) % 40);
      if (inContact(ping(a), ping(b), RULE)) expect(inContact(ping(a), ping(acc(b, 1 + (i % 10))), RULE)).toBe(true);
    }
  });

  it('never loses a contact for a coarse position: the cell holding a point is at least as close', () => {
    for (let i = 0; i < 200; i++) {
      const a = point((i * 7) % 40, (i * 13) % 40);
      const b = point((i * 3) % 40, (i * 11) % 40);
      if (!inContact(ping(a), ping(b), RULE)) continue;
      for (const precision of [6, 7, 8, 9, 10]) {
        const coarse = cellArea(encodeCell(b.lat, b.lon, precision));
        expect(inContact(ping(a), ping(coarse), RULE)).toBe(true);
      }
    }
  });
});
