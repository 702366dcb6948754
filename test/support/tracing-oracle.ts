import type pg from 'pg';
import { lastClosedWindowId } from '#libs/domain/index.js';
import { POSITION_PRECISION } from '#libs/geo/index.js';
import { copyPings, ensurePingPartitions, insertPeople, registerWindows } from './city/load.js';
import {
  runOracle,
  type ExpectedExposure,
  type ExpectedRequest,
  type OracleColor,
  type OracleResult,
} from './city/oracle.js';
import { City, withMixedReports } from './city/simulator.js';
import { call } from './http.js';
import { FAST_GRID_ENV, TEST_ADMIN, type TestSystem } from './system.js';

// The oracle scenario shared by the tests that must trace a city exactly as the brute-force oracle does.

const grid = {
  windowSeconds: Number(FAST_GRID_ENV.HC_WINDOW_SECONDS),
  slotSeconds: Number(FAST_GRID_ENV.HC_SLOT_SECONDS),
  graceSeconds: Number(FAST_GRID_ENV.HC_GRACE_SECONDS),
};
const windowMs = grid.windowSeconds * 1000;
const WINDOWS = 4;
const QUARANTINE_SECONDS = 1_209_600;
/** The contact radius the apps run with unless told otherwise (HC_CONTACT_RADIUS_METERS). */
const DEFAULT_RADIUS_METERS = 20;

/** The environment a system tracing the city needs (the apps' quarantine must be the oracle's). */
export function oracleCityEnv(shards: number, radiusMeters = DEFAULT_RADIUS_METERS): Record<string, string> {
  return {
    HC_TRACE_SHARDS: String(shards),
    HC_QUARANTINE_SECONDS: String(QUARANTINE_SECONDS),
    HC_CONTACT_RADIUS_METERS: String(radiusMeters),
  };
}

export interface LoadedCity {
  firstWindowId: number;
  windows: number;
  userId: (person: number) => string;
  expected: OracleResult;
  /** Co-locations the oracle found across 4-character prefix borders, 5-character-only borders and window edges. */
  bordersCrossed: { prefix4: number; prefix5Only: number; windowEdge: number };
}

/**
 * Simulates a city of 3000 people over four closed 60 s windows (people on geohash prefix borders,
 * pings on window edges, reds infectious from mid-window), loads it straight into Postgres, sets
 * the red and yellow codes through the admin API, then registers its windows as untraced, and runs
 * the oracle over it.
 */
export async function loadOracleCity(
  sys: TestSystem,
  db: pg.Client,
  radiusMeters = DEFAULT_RADIUS_METERS,
): Promise<LoadedCity> {
  // Closed windows, well inside the retention, in the recent past.
  const firstWindowId = lastClosedWindowId(Date.now(), grid) - WINDOWS - 5;
  const city = new City({
    seed: 20261124,
    people: 3000,
    firstWindowId,
    windowCount: WINDOWS,
    windowSeconds: grid.windowSeconds,
    slotSeconds: grid.slotSeconds,
    precision: 8,
    redFraction: 0.015,
    yellowFraction: 0.03,
  });
  const ids = await insertPeople(db, city.options.people);
  const userId = (person: number) => ids[person];
  await ensurePingPartitions(db, city.startMs, city.endMs);
  const pings = withMixedReports([...city.pings()], POSITION_PRECISION, city.options.seed);
  const copied = await copyPings(db, pings, userId);
  if (copied !== pings.length) throw new Error(`copied ${copied} of ${pings.length} pings`);

  // Codes set the way officials set them: red with an infectious start, some already yellow.
  const admin = (await call('POST', `${sys.url('api')}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token as string;
  const setCode = async (person: number, body: Record<string, string>) => {
    const res = await call('PUT', `${sys.url('api')}/v1/admin/users/${userId(person)}/code`, { token: admin, body });
    if (res.status !== 200 || res.body?.color !== body.color)
      throw new Error(`setting ${body.color} answered ${res.status} ${JSON.stringify(res.body)}`);
  };
  const codes = [
    ...city.yellow.map((person) => () => setCode(person, { color: 'yellow', reason: 'earlier exposure' })),
    ...city.red.map(
      (r) => () =>
        setCode(r.person, {
          color: 'red',
          reason: 'positive test',
          infectiousFrom: new Date(r.infectiousFromMs).toISOString(),
        }),
    ),
  ];
  for (let i = 0; i < codes.length; i += 16) await Promise.all(codes.slice(i, i + 16).map((f) => f()));
  // Registered last: a batch app already running traces them from its next tick, with every code set.
  await registerWindows(db, firstWindowId, WINDOWS, grid.windowSeconds);

  const bordersCrossed = { prefix4: 0, prefix5Only: 0, windowEdge: 0 };
  const expected = runOracle({
    pings: pings.map((p) => ({
      userId: userId(p.person),
      tsMs: p.tsMs,
      cell: p.cell,
      position: p.reported,
      accuracyMeters: p.accuracy ?? 0,
    })),
    infectiousFromMs: new Map(city.red.map((r) => [userId(r.person), r.infectiousFromMs])),
    colors: new Map(city.yellow.map((person): [string, OracleColor] => [userId(person), 'yellow'])),
    rules: {
      windowSeconds: grid.windowSeconds,
      slotSeconds: grid.slotSeconds,
      autoSeconds: Number(FAST_GRID_ENV.HC_EXPOSURE_AUTO_SECONDS),
      reviewSeconds: Number(FAST_GRID_ENV.HC_EXPOSURE_REVIEW_SECONDS),
      radiusMeters,
      contactSeconds: grid.slotSeconds,
      autoApplyMaxPerWindow: 10_000,
      quarantineSeconds: QUARANTINE_SECONDS,
    },
    onMatch: (contact, source) => {
      if (contact.cell.slice(0, 4) !== source.cell.slice(0, 4)) bordersCrossed.prefix4++;
      else if (contact.cell.slice(0, 5) !== source.cell.slice(0, 5)) bordersCrossed.prefix5Only++;
      if (Math.floor(contact.tsMs / windowMs) !== Math.floor(source.tsMs / windowMs)) bordersCrossed.windowEdge++;
    },
  });
  return { firstWindowId, windows: WINDOWS, userId, expected, bordersCrossed };
}

/** Waits until every window of the city is done; throws as soon as one failed, or when time runs out. */
export async function waitForCityTraced(db: pg.Client, city: LoadedCity, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (
      await db.query<{ status: string; error: string | null }>(
        'SELECT status, error FROM windows WHERE id BETWEEN $1 AND $2',
        [city.firstWindowId, city.firstWindowId + city.windows - 1],
      )
    ).rows;
    const failed = rows.filter((r) => r.status === 'failed');
    if (failed.length) throw new Error(`windows failed: ${JSON.stringify(failed)}`);
    if (rows.filter((r) => r.status === 'done').length === city.windows) return;
    if (Date.now() > deadline) throw new Error(`windows not traced in time: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Differences {
  missing: unknown[];
  unexpected: unknown[];
  different: unknown[];
  counts: { stored: number; expected: number };
}

/** Keyed rows that differ between what the engine stored and what the oracle expects (a few of each kind). */
function differences<T>(actual: T[], expected: T[], key: (r: T) => string): Differences {
  const text = (r: T) => JSON.stringify(r, Object.keys(r as object).sort());
  const a = new Map(actual.map((r) => [key(r), text(r)]));
  const e = new Map(expected.map((r) => [key(r), text(r)]));
  return {
    missing: [...e.keys()]
      .filter((k) => !a.has(k))
      .slice(0, 5)
      .map((k) => e.get(k)),
    unexpected: [...a.keys()]
      .filter((k) => !e.has(k))
      .slice(0, 5)
      .map((k) => a.get(k)),
    different: [...e.keys()]
      .filter((k) => a.has(k) && a.get(k) !== e.get(k))
      .slice(0, 5)
      .map((k) => ({ stored: a.get(k), expected: e.get(k) })),
    counts: { stored: actual.length, expected: expected.length },
  };
}

/** The stored exposures and requests of the city's windows against the oracle's. */
export async function compareWithOracle(
  db: pg.Client,
  city: LoadedCity,
): Promise<{ exposures: Differences; requests: Differences }> {
  const range = [city.firstWindowId, city.firstWindowId + city.windows - 1];
  const exposures = (
    await db.query<ExpectedExposure>(
      `SELECT window_id::float8 AS "windowId", contact_id::text AS "contactId", source_id::text AS "sourceId", seconds,
            ARRAY(SELECT unnest(slots)::float8 ORDER BY 1) AS slots
     FROM exposures WHERE window_id BETWEEN $1 AND $2`,
      range,
    )
  ).rows;
  const requests = (
    await db.query<ExpectedRequest & { expiresAt: Date }>(
      `SELECT window_id::float8 AS "windowId", user_id::text AS "userId", to_color AS "toColor", auto, status,
            exposure_seconds AS "exposureSeconds", expires_at AS "expiresAt"
     FROM code_changes WHERE window_id BETWEEN $1 AND $2`,
      range,
    )
  ).rows.map(({ expiresAt, ...r }) => ({ ...r, expiresAtMs: expiresAt.getTime() }));
  return {
    exposures: differences(exposures, city.expected.exposures, (e) => `${e.windowId}|${e.contactId}|${e.sourceId}`),
    requests: differences(requests, city.expected.requests, (r) => `${r.windowId}|${r.userId}|${r.toColor}`),
  };
}

/** What `compareWithOracle` gives when the engine stored exactly the oracle's rows. */
export function noDifferences(city: LoadedCity): { exposures: Differences; requests: Differences } {
  const clean = (n: number): Differences => ({
    missing: [],
    unexpected: [],
    different: [],
    counts: { stored: n, expected: n },
  });
  return { exposures: clean(city.expected.exposures.length), requests: clean(city.expected.requests.length) };
}
