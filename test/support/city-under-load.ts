import { withDatabaseClient } from './databases.js';
import { phonesOfEveryone, PhoneLoad } from './phones.js';
import type { TestSystem } from './system.js';
import { expectClosedWindowsTracedOnce, expectNoDuplicateEffects, waitForAnyWindow } from './tracing-fixture.js';
import {
  compareWithOracle,
  loadOracleCity,
  noDifferences,
  waitForCityTraced,
  type LoadedCity,
} from './tracing-oracle.js';

export interface FaultRun {
  city: LoadedCity;
  load: PhoneLoad;
  /** City windows not yet traced when the fault began (the fault hit a trace in progress when some are). */
  untracedAtFault: number;
  /** When `fault` returned (the failed part back). */
  recoveredAt: number;
}

/**
 * The fault tests' scenario, on a system running the api and ingest: the oracle city is loaded,
 * phones read and post (PhoneLoad), the batch app starts tracing, and `fault` runs as soon as a
 * city window is being traced (after a random moment of up to 300 ms). The load goes on until
 * the city is traced, then stops.
 */
export async function faultWhileTracingCity(sys: TestSystem, fault: () => Promise<void>): Promise<FaultRun> {
  const city = await withDatabaseClient(sys.db, (c) => loadOracleCity(sys, c));
  const cityWindows = Array.from({ length: city.windows }, (_, i) => city.firstWindowId + i);
  const load = new PhoneLoad({
    db: sys.db,
    apiUrl: sys.url('api'),
    ingestUrl: sys.url('ingest'),
    ...(await phonesOfEveryone(sys)),
  });
  try {
    await sys.startApp('batch');
    await waitForAnyWindow(sys.db, cityWindows, 'processing');
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
    const untraced = await sys.db.query(`SELECT id FROM windows WHERE id = ANY($1) AND status <> 'done'`, [
      cityWindows,
    ]);
    await fault();
    const recoveredAt = Date.now();
    await withDatabaseClient(sys.db, (c) => waitForCityTraced(c, city, 60_000));
    await new Promise((r) => setTimeout(r, 1_000));
    return { city, load, untracedAtFault: untraced.length, recoveredAt };
  } finally {
    await load.stop();
  }
}

/** Tracing kept its promises: the oracle's exposures and requests, every closed window done in one generation, each change applied once. */
export async function expectTracedOnceAsTheOracle(sys: TestSystem, city: LoadedCity): Promise<void> {
  await withDatabaseClient(sys.db, async (c) => expect(await compareWithOracle(c, city)).toEqual(noDifferences(city)));
  await expectClosedWindowsTracedOnce(sys.db, 60_000);
  await expectNoDuplicateEffects(sys.db);
}
