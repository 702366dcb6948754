import pg from 'pg';
import { lastClosedWindowId } from '#libs/domain/index.js';
import { copyPings, ensurePingPartitions, insertPeople, registerWindows } from '../support/city/load.js';
import { runOracle, type ExpectedExposure, type ExpectedRequest, type OracleColor } from '../support/city/oracle.js';
import { City } from '../support/city/simulator.js';
import { call } from '../support/http.js';
import { FAST_GRID_ENV, TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = { windowSeconds: Number(FAST_GRID_ENV.HC_WINDOW_SECONDS), slotSeconds: Number(FAST_GRID_ENV.HC_SLOT_SECONDS), graceSeconds: Number(FAST_GRID_ENV.HC_GRACE_SECONDS) };
const windowMs = grid.windowSeconds * 1000;
const WINDOWS = 4;
const QUARANTINE_SECONDS = 1_209_600;

/** Keyed rows that differ between what the engine stored and what the oracle expects (a few of each kind). */
function differences<T>(actual: T[], expected: T[], key: (r: T) => string) {
  const text = (r: T) => JSON.stringify(r, Object.keys(r as object).sort());
  const a = new Map(actual.map((r) => [key(r), text(r)]));
  const e = new Map(expected.map((r) => [key(r), text(r)]));
  return {
    missing: [...e.keys()].filter((k) => !a.has(k)).slice(0, 5).map((k) => e.get(k)),
    unexpected: [...a.keys()].filter((k) => !e.has(k)).slice(0, 5).map((k) => a.get(k)),
    different: [...e.keys()].filter((k) => a.has(k) && a.get(k) !== e.get(k)).slice(0, 5).map((k) => ({ stored: a.get(k), expected: e.get(k) })),
    counts: { stored: actual.length, expected: expected.length },
  };
}

/**
 * A simulated city of thousands over several windows (people on geohash prefix borders, pings on
 * window edges, reds infectious from mid-window), loaded straight into Postgres, traced by the real
 * batch app(s): the stored exposures and code-change requests must equal the brute-force oracle's,
 * whatever the number of shards and worker processes.
 */
describe.each([
  { shards: 1, workers: 1, radiusMeters: null },
  { shards: 16, workers: 2, radiusMeters: null },
  { shards: 4, workers: 1, radiusMeters: 30 },
])('tracing equals the oracle ($shards shards, $workers batch processes, radius $radiusMeters m)', ({ shards, workers, radiusMeters }) => {
  let sys: TestSystem;
  let db: pg.Client;

  beforeAll(async () => {
    // Only the api at first: nothing may be traced before the city is loaded and the codes set.
    sys = await startSystem(`oracle${shards}`, ['api'], {
      HC_TRACE_SHARDS: String(shards), HC_QUARANTINE_SECONDS: String(QUARANTINE_SECONDS), ...(radiusMeters === null ? {} : { HC_CONTACT_RADIUS_METERS: String(radiusMeters) }),
    });
    db = new pg.Client({ connectionString: sys.db.url });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('stores exactly the oracle’s exposures and requests', async () => {
    // Closed windows, well inside the retention, in the recent past.
    const firstWindowId = lastClosedWindowId(Date.now(), grid) - WINDOWS - 5;
    const city = new City({
      seed: 20261124, people: 3000, firstWindowId, windowCount: WINDOWS, windowSeconds: grid.windowSeconds, slotSeconds: grid.slotSeconds,
      precision: 8, redFraction: 0.015, yellowFraction: 0.03,
    });
    const ids = await insertPeople(db, city.options.people);
    const userId = (person: number) => ids[person]!;
    await ensurePingPartitions(db, city.startMs, city.endMs);
    const pings = [...city.pings()];
    expect(await copyPings(db, pings, userId)).toBe(pings.length);
    await registerWindows(db, firstWindowId, WINDOWS, grid.windowSeconds);

    // Codes set the way officials set them: red with an infectious start, some already yellow.
    const admin = (await call('POST', `${sys.url('api')}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token as string;
    const setCode = async (person: number, body: Record<string, string>) => {
      const res = await call('PUT', `${sys.url('api')}/v1/admin/users/${userId(person)}/code`, { token: admin, body });
      expect([res.status, res.body?.color]).toEqual([200, body.color]);
    };
    const codes = [
      ...city.yellow.map((person) => () => setCode(person, { color: 'yellow', reason: 'earlier exposure' })),
      ...city.red.map((r) => () => setCode(r.person, { color: 'red', reason: 'positive test', infectiousFrom: new Date(r.infectiousFromMs).toISOString() })),
    ];
    for (let i = 0; i < codes.length; i += 16) await Promise.all(codes.slice(i, i + 16).map((f) => f()));

    const bordersCrossed = { prefix4: 0, prefix5Only: 0, windowEdge: 0 };
    const expected = runOracle({
      pings: pings.map((p) => ({ userId: userId(p.person), tsMs: p.tsMs, cell: p.cell })),
      infectiousFromMs: new Map(city.red.map((r) => [userId(r.person), r.infectiousFromMs])),
      colors: new Map(city.yellow.map((person): [string, OracleColor] => [userId(person), 'yellow'])),
      rules: {
        windowSeconds: grid.windowSeconds, slotSeconds: grid.slotSeconds, autoSeconds: Number(FAST_GRID_ENV.HC_EXPOSURE_AUTO_SECONDS),
        reviewSeconds: Number(FAST_GRID_ENV.HC_EXPOSURE_REVIEW_SECONDS), radiusMeters, autoApplyMaxPerWindow: 10_000, quarantineSeconds: QUARANTINE_SECONDS,
      },
      onMatch: (contact, source) => {
        if (contact.cell.slice(0, 4) !== source.cell.slice(0, 4)) bordersCrossed.prefix4++;
        else if (contact.cell.slice(0, 5) !== source.cell.slice(0, 5)) bordersCrossed.prefix5Only++;
        if (Math.floor(contact.tsMs / windowMs) !== Math.floor(source.tsMs / windowMs)) bordersCrossed.windowEdge++;
      },
    });
    // Contacts are found across prefix borders and window edges (what sharding and windows could miss).
    expect(Object.entries(bordersCrossed).filter(([, n]) => n < 20)).toEqual([]);
    // The city exercises every outcome in every window.
    for (let w = firstWindowId; w < firstWindowId + WINDOWS; w++) {
      const requests = expected.requests.filter((r) => r.windowId === w);
      expect([w, requests.some((r) => r.auto), requests.some((r) => !r.auto), expected.exposures.some((e) => e.windowId === w && e.seconds < 20)]).toEqual([w, true, true, true]);
    }

    for (let i = 0; i < workers; i++) await sys.startApp('batch');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = (await db.query<{ status: string; error: string | null }>('SELECT status, error FROM windows WHERE id BETWEEN $1 AND $2', [firstWindowId, firstWindowId + WINDOWS - 1])).rows;
      expect(rows.filter((r) => r.status === 'failed')).toEqual([]);
      if (rows.filter((r) => r.status === 'done').length === WINDOWS) break;
      if (Date.now() > deadline) throw new Error(`windows not traced in time: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const range = [firstWindowId, firstWindowId + WINDOWS - 1];
    const exposures = (await db.query<ExpectedExposure>(
      `SELECT window_id::float8 AS "windowId", contact_id::text AS "contactId", source_id::text AS "sourceId", seconds,
              ARRAY(SELECT unnest(slots)::float8 ORDER BY 1) AS slots
       FROM exposures WHERE window_id BETWEEN $1 AND $2`, range)).rows;
    const requests = (await db.query<ExpectedRequest & { expiresAt: Date }>(
      `SELECT window_id::float8 AS "windowId", user_id::text AS "userId", to_color AS "toColor", auto, status,
              exposure_seconds AS "exposureSeconds", expires_at AS "expiresAt"
       FROM code_changes WHERE window_id BETWEEN $1 AND $2`, range)).rows.map(({ expiresAt, ...r }) => ({ ...r, expiresAtMs: expiresAt.getTime() }));
    const exposureKey = (e: ExpectedExposure) => `${e.windowId}|${e.contactId}|${e.sourceId}`;
    const requestKey = (r: ExpectedRequest) => `${r.windowId}|${r.userId}|${r.toColor}`;
    const clean = { missing: [], unexpected: [], different: [] };
    expect(differences(exposures, expected.exposures, exposureKey)).toEqual({ ...clean, counts: { stored: expected.exposures.length, expected: expected.exposures.length } });
    expect(differences(requests, expected.requests, requestKey)).toEqual({ ...clean, counts: { stored: expected.requests.length, expected: expected.requests.length } });
  }, 110_000);
});
