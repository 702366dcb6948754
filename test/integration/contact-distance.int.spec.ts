import { gapMetersSql } from '#libs/db/index.js';
import { cellArea, encodeCell, gapMeters, type Area } from '#libs/geo/index.js';
import { createTestDatabase, withDatabaseClient, type TestDatabase } from '../support/databases.js';

/** The SQL distance test beside the index probe gives what gapMeters of libs/geo gives. */
describe('contact distance in SQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('contact-distance');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('equals gapMeters on points, cells and mixed areas, with and without accuracy, also by the antimeridian', async () => {
    let s = 11;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const areas: [Area, Area][] = [];
    for (let i = 0; i < 500; i++) {
      const lat = next() * 170 - 85;
      const lon = i % 10 === 0 ? 179.9999 : next() * 360 - 180;
      const near = { lat: lat + (next() - 0.5) * 0.001, lon: Math.min(180, lon + (next() - 0.5) * 0.001) };
      const a: Area = i % 3 === 0 ? cellArea(encodeCell(lat, lon, 8)) : { lat, lon, halfLat: 0, halfLon: 0 };
      const b: Area =
        i % 2 === 0 ? cellArea(encodeCell(near.lat, near.lon, 7 + (i % 4))) : { ...near, halfLat: 0, halfLon: 0 };
      if (i % 5 === 1) a.accuracyMeters = 1 + (i % 10);
      if (i % 7 === 2) b.accuracyMeters = 1 + (i % 10);
      areas.push([a, b]);
    }
    const col = (k: keyof Area, which: 0 | 1) => areas.map((p) => p[which][k] ?? 0);
    const sql = gapMetersSql(
      { lat: 'a_lat', lon: 'a_lon', halfLat: 'a_hlat', halfLon: 'a_hlon', accuracy: 'a_acc' },
      { lat: 'b_lat', lon: 'b_lon', halfLat: 'b_hlat', halfLon: 'b_hlon', accuracy: 'b_acc' },
    );
    const rows = await withDatabaseClient(
      db,
      async (c) =>
        (
          await c.query<{ m: number }>(
            `SELECT ${sql}::float8 AS m
           FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::float8[],
                       $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])
             WITH ORDINALITY AS t(a_lat, a_lon, a_hlat, a_hlon, a_acc, b_lat, b_lon, b_hlat, b_hlon, b_acc, n)
           ORDER BY n`,
            [
              col('lat', 0),
              col('lon', 0),
              col('halfLat', 0),
              col('halfLon', 0),
              col('accuracyMeters', 0),
              col('lat', 1),
              col('lon', 1),
              col('halfLat', 1),
              col('halfLon', 1),
              col('accuracyMeters', 1),
            ],
          )
        ).rows,
    );
    rows.forEach((r, i) => expect(r.m).toBeCloseTo(gapMeters(areas[i][0], areas[i][1]), 6));
    expect(rows.some((r) => r.m === 0)).toBe(true);
    expect(rows.some((r) => r.m > 0 && r.m < 100)).toBe(true);
  });
});
