import pg from 'pg';
import type { AppName } from '../support/apps.js';
import { eventually } from '../support/http.js';
import { OwnPostgres } from '../support/own-postgres.js';
import { phonesOfEveryone, PhoneLoad } from '../support/phones.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { expectClosedWindowsTracedOnce, expectNoDuplicateEffects, waitForAnyWindow } from '../support/tracing-fixture.js';
import { compareWithOracle, loadOracleCity, noDifferences, oracleCityEnv, waitForCityTraced, type LoadedCity } from '../support/tracing-oracle.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of the test's own on the system's database (opened again after Postgres came back). */
async function withClient<T>(sys: TestSystem, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: sys.db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * DESIGN §2b and §3 under load: the system's Postgres (a server of the test's own) is killed with
 * kill -9 of the postmaster while phones read and post and a city is being traced, then restarted.
 * Every acknowledged ping is there afterwards and retried batches store nothing twice; every window
 * ends done once with the oracle's result and one history row per applied change; the apps become
 * ready again by themselves.
 */
describe('Postgres restarted under load', () => {
  let postgres: OwnPostgres;
  let sys: TestSystem;

  beforeAll(async () => {
    postgres = await OwnPostgres.start();
    const db = await postgres.testDatabase('hc_test_fault_pg');
    sys = await startSystem('fault-pg', ['api', 'ingest'], oracleCityEnv(4, null), { db });
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    await postgres?.destroy();
  });

  it('keeps every acknowledged ping, traces every window once as the oracle does, and the apps recover', async () => {
    const city: LoadedCity = await withClient(sys, (c) => loadOracleCity(sys, c, null));
    const cityWindows = Array.from({ length: city.windows }, (_, i) => city.firstWindowId + i);
    const load = new PhoneLoad({ db: sys.db, apiUrl: sys.url('api'), ingestUrl: sys.url('ingest'), ...(await phonesOfEveryone(sys)) });
    const apps: AppName[] = ['api', 'ingest', 'batch'];
    let restartedAt: number;
    let notDoneAtKill: unknown[];
    try {
      await sys.startApp('batch');
      await waitForAnyWindow(sys.db, cityWindows, 'processing');
      await pause(Math.floor(Math.random() * 300));
      notDoneAtKill = await sys.db.query(`SELECT id FROM windows WHERE id = ANY($1) AND status <> 'done'`, [cityWindows]);
      postgres.killHard();
      await pause(1_000);
      await postgres.restart();
      restartedAt = Date.now();
      // Every app is ready again, the same process as before (nothing restarted it).
      for (const name of apps) {
        await eventually(() => fetch(`${sys.url(name)}/health/ready`).then((r) => r.status, () => 0), (s) => s === 200, 30_000, `${name} to be ready again`);
      }
      // Under load until the city is traced.
      await withClient(sys, (c) => waitForCityTraced(c, city, 60_000));
      await pause(1_000);
    } finally {
      await load.stop();
    }

    expect(notDoneAtKill.length).toBeGreaterThan(0);
    expect(apps.map((name) => [name, sys.apps[name]!.process.exitCode])).toEqual(apps.map((name) => [name, null]));
    // The crash was seen by phones, and both paths answered again after it.
    expect(load.posts.filter((p) => p.status !== 202).length + load.reads.filter((r) => r.status !== 200).length).toBeGreaterThan(0);
    expect(load.posts.some((p) => p.sentAt > restartedAt && p.status === 202)).toBe(true);
    expect(load.reads.some((r) => r.sentAt > restartedAt && r.status === 200)).toBe(true);
    expect(load.wrongGreens()).toEqual([]);

    // Phones retry what failed; afterwards every ping is stored exactly once.
    const retried = await load.retryFailed();
    const { missing, stored } = await load.missingPings();
    expect(missing).toEqual([]);
    const batchSize = load.posts[0]!.batch.pings.length;
    expect(stored).toBe((load.acknowledged().length + retried.length) * batchSize);

    await withClient(sys, async (c) => expect(await compareWithOracle(c, city)).toEqual(noDifferences(city)));
    await expectClosedWindowsTracedOnce(sys.db, 60_000);
    await expectNoDuplicateEffects(sys.db);
  }, 240_000);
});
