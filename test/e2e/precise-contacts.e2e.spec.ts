import { encodeCell, METERS_PER_DEGREE } from '#libs/geo/index.js';
import { lastClosedWindowId, windowStartMs } from '#libs/domain/index.js';
import { call, eventually } from '../support/http.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };

/** A point `north` and `east` metres from (lat, lon). */
function offset(lat: number, lon: number, north: number, east: number): { lat: number; lon: number } {
  return {
    lat: lat + north / METERS_PER_DEGREE,
    lon: lon + east / (METERS_PER_DEGREE * Math.cos((lat * Math.PI) / 180)),
  };
}

/**
 * The contact rule end to end, with the default 20 m: the decision is made on the positions the
 * phones reported, not on their cells. A phone that sends a coarse geohash is matched on its cell's
 * rectangle, so it is never missed; two precise phones in neighbouring cells 30 m apart are not a contact;
 * a phone that reports its accuracy is matched on its position grown by it (at most 10 m).
 */
describe('precise contacts', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startSystem('precise', ['api', 'ingest']);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('a geohash-8 phone 15 m away is a contact; a lat/lon phone 30 m away in the next cell is not; one 28 m away reporting its accuracy is', async () => {
    const api = sys.url('api');
    const ingest = sys.url('ingest');
    const register = async () =>
      (await call('POST', `${api}/v1/users`, { body: {} })).body as { userId: string; token: string };
    const [source, coarse, precise, vague] = [await register(), await register(), await register(), await register()];
    const login = await call('POST', `${api}/v1/admin/sessions`, { body: TEST_ADMIN });
    await call('PUT', `${api}/v1/admin/users/${source.userId}/code`, {
      token: login.body.token,
      body: { color: 'red', reason: 'positive test' },
    });

    const here = { lat: 52.520008, lon: 13.4048 };
    const north15 = offset(here.lat, here.lon, 15, 0);
    const east30 = offset(here.lat, here.lon, 0, 30);
    const west28 = offset(here.lat, here.lon, 0, -28);
    // The 30 m neighbour is in the next cell east: under a cell-box rule it would be a contact.
    expect(encodeCell(east30.lat, east30.lon, 8)).not.toBe(encodeCell(here.lat, here.lon, 8));

    const windowId = lastClosedWindowId(Date.now(), grid) - 3;
    const times = [0, 1, 2, 3, 4, 5].map((slot) => windowStartMs(windowId, grid) + slot * 10_000 + 2_000);
    const send = (token: string, ping: (ts: number) => object) =>
      call('POST', `${ingest}/v1/pings`, { token, body: { pings: times.map(ping) } });
    const sent = [
      await send(source.token, (ts) => ({ ts, ...here })),
      await send(coarse.token, (ts) => ({ ts, geohash: encodeCell(north15.lat, north15.lon, 8) })),
      await send(precise.token, (ts) => ({ ts, ...east30 })),
      // An accuracy of 12 m is kept as 10: the area reaches 18 m from the source.
      await send(vague.token, (ts) => ({ ts, ...west28, accuracy: 12 })),
    ];
    for (const r of sent) expect(r.body).toEqual({ accepted: 6, late: 0, rejected: 0 });

    // Kept to about a metre (a geohash of 10 characters) for lat/lon; the cell only for a geohash-8 phone.
    const stored = await sys.db.query<{ user_id: string; lat: number | null; len: number | null; acc: number | null }>(
      `SELECT DISTINCT user_id::text, (pos_lat / 1e7)::float8 AS lat, pos_len AS len, pos_acc AS acc
       FROM pings WHERE user_id = ANY($1) ORDER BY 1`,
      [[source.userId, coarse.userId, vague.userId]],
    );
    expect(stored).toEqual([
      { user_id: source.userId, lat: expect.closeTo(here.lat, 5), len: 10, acc: null },
      { user_id: coarse.userId, lat: null, len: null, acc: null },
      { user_id: vague.userId, lat: expect.closeTo(west28.lat, 5), len: 10, acc: 10 },
    ]);

    await sys.startApp('batch');
    await eventually(
      () => call('GET', `${api}/v1/codes/me`, { token: coarse.token }),
      (r) => r.body?.color === 'yellow',
      60_000,
      'the coarse contact to read yellow',
    );
    const far = await call('GET', `${api}/v1/codes/me`, { token: precise.token });
    expect(far.body).toMatchObject({ color: 'green' });

    await eventually(
      () => call('GET', `${api}/v1/codes/me`, { token: vague.token }),
      (r) => r.body?.color === 'yellow',
      60_000,
      'the contact reporting its accuracy to read yellow',
    );

    const exposures = await sys.db.query<{ contact_id: string; meters: number; seconds_apart: number }>(
      'SELECT contact_id::text, meters, seconds_apart FROM exposures WHERE window_id = $1 ORDER BY contact_id',
      [windowId],
    );
    expect(exposures).toEqual(
      [
        { contact_id: coarse.userId, meters: expect.any(Number), seconds_apart: 0 },
        { contact_id: vague.userId, meters: expect.any(Number), seconds_apart: 0 },
      ].sort((a, b) => Number(a.contact_id) - Number(b.contact_id)),
    );
    // The gap to the cell's rectangle, never more than the true 15 m.
    expect(exposures.find((e) => e.contact_id === coarse.userId)!.meters).toBeLessThanOrEqual(15);
    // 28 m less the kept accuracy of 10 m, less the halves of the two geohash-10 rectangles.
    expect(exposures.find((e) => e.contact_id === vague.userId)!.meters).toBeGreaterThan(16);
    expect(exposures.find((e) => e.contact_id === vague.userId)!.meters).toBeLessThanOrEqual(18);
  }, 120_000);
});
