import { METERS_PER_DEGREE } from '#libs/geo/index.js';
import { lastClosedWindowId, windowStartMs } from '#libs/domain/index.js';
import { call, eventually } from '../support/http.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };
const MAX_PINGS_PER_SLOT = 5;

/** A point `north` and `east` metres from (lat, lon). */
function offset(at: { lat: number; lon: number }, north: number, east: number): { lat: number; lon: number } {
  return {
    lat: at.lat + north / METERS_PER_DEGREE,
    lon: at.lon + east / (METERS_PER_DEGREE * Math.cos((at.lat * Math.PI) / 180)),
  };
}

/**
 * A red person's token spraying pings over a district in one slot: every ping that would need
 * more than HC_MAX_SPEED_KMH from the person's real position is rejected and not stored, so tracing
 * finds contacts only beside the real track and nobody in the district turns yellow. Pings beyond
 * HC_MAX_PINGS_PER_SLOT in one slot are rejected too, counted over the person's requests.
 */
describe('implausible pings', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startSystem('spray', ['api', 'ingest'], {
      // One co-located slot (10 s) is enough for an automatic yellow, so a single sprayed slot would show.
      HC_EXPOSURE_AUTO_SECONDS: '10',
      HC_EXPOSURE_REVIEW_SECONDS: '10',
      HC_MAX_PINGS_PER_SLOT: String(MAX_PINGS_PER_SLOT),
    });
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('spraying cells across a district in one slot yellows only the contact beside the real track', async () => {
    const api = sys.url('api');
    const ingest = sys.url('ingest');
    const register = async () =>
      (await call('POST', `${api}/v1/users`, { body: {} })).body as { userId: string; token: string };
    const red = await register();
    const beside = await register();
    const home = { lat: 52.520008, lon: 13.4048 };
    // Eight people 2 km apart around the red person's real position, none within reach of it in a slot.
    const spots = [-2000, 0, 2000]
      .flatMap((north) => [-2000, 0, 2000].map((east) => ({ north, east })))
      .filter((s) => s.north || s.east);
    const district = await Promise.all(spots.map(() => register()));
    const login = await call('POST', `${api}/v1/admin/sessions`, { body: TEST_ADMIN });
    await call('PUT', `${api}/v1/admin/users/${red.userId}/code`, {
      token: login.body.token,
      body: { color: 'red', reason: 'positive test' },
    });

    // The second slot of the newest closed window: not yet traced (no batch app runs yet).
    const windowId = lastClosedWindowId(Date.now(), grid);
    const slotStart = windowStartMs(windowId, grid) + 10_000;
    const post = (token: string, pings: object[]) => call('POST', `${ingest}/v1/pings`, { token, body: { pings } });

    // The real track: at home, one second into the slot.
    expect((await post(red.token, [{ ts: slotStart + 1000, ...home }])).body).toEqual({
      accepted: 1,
      late: 0,
      rejected: 0,
    });
    // The spray: every 250 m over 4 x 4 km (but the 750 m square around home), 3-3.3 s later, one
    // millisecond apart; each spot of the district among them.
    const spray: object[] = [];
    for (let north = -2000; north <= 2000; north += 250)
      for (let east = -2000; east <= 2000; east += 250)
        if (Math.abs(north) > 250 || Math.abs(east) > 250)
          spray.push({ ts: slotStart + 3000 + spray.length, ...offset(home, north, east) });
    const sprayed = await post(red.token, spray);
    // Beyond the per-slot cap: the person's sixth and later pings in the slot, at home.
    const repeated = await post(
      red.token,
      Array.from({ length: 10 }, (_, k) => ({ ts: slotStart + 6000 + k, ...home })),
    );
    // Everyone else where they are, in the same slot.
    await post(beside.token, [{ ts: slotStart + 2000, ...offset(home, 5, 0) }]);
    await Promise.all(
      district.map((p, i) => post(p.token, [{ ts: slotStart + 5000, ...offset(home, spots[i].north, spots[i].east) }])),
    );

    expect(sprayed.status).toBe(202);
    expect(sprayed.body).toEqual({ accepted: 0, late: 0, rejected: spray.length });
    expect(repeated.body).toEqual({ accepted: MAX_PINGS_PER_SLOT - 1, late: 0, rejected: 10 - MAX_PINGS_PER_SLOT + 1 });
    // Nothing of the spray is stored: only the pings at home.
    const stored = await sys.db.query<{ n: string; far: string }>(
      `SELECT count(*)::text AS n, count(*) FILTER (WHERE abs(pos_lat / 1e7 - $2) > 0.0001)::text AS far
       FROM pings WHERE user_id = $1`,
      [red.userId, home.lat],
    );
    expect(stored).toEqual([{ n: String(MAX_PINGS_PER_SLOT), far: '0' }]);

    await sys.startApp('batch');
    await eventually(
      () => call('GET', `${api}/v1/codes/me`, { token: beside.token }),
      (r) => r.body?.color === 'yellow',
      60_000,
      'the contact beside the real track to read yellow',
    );
    await eventually(
      () => sys.db.query<{ status: string }>('SELECT status FROM windows WHERE id = $1', [windowId]),
      (rows) => rows[0]?.status === 'done',
      60_000,
      'the window to be traced',
    );
    const exposures = await sys.db.query<{ contact_id: string }>(
      'SELECT DISTINCT contact_id::text FROM exposures WHERE window_id = $1',
      [windowId],
    );
    expect(exposures).toEqual([{ contact_id: beside.userId }]);
    const colours = await Promise.all(
      district.map(async (p) => (await call('GET', `${api}/v1/codes/me`, { token: p.token })).body?.color),
    );
    expect(colours).toEqual(district.map(() => 'green'));
  }, 150_000);
});
