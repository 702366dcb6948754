import type { AppName } from '../support/apps.js';
import { faultWhileTracingCity, expectTracedOnceAsTheOracle } from '../support/city-under-load.js';
import { eventually } from '../support/http.js';
import { OwnPostgres } from '../support/own-postgres.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { oracleCityEnv } from '../support/tracing-oracle.js';

const APPS: AppName[] = ['api', 'ingest', 'batch'];

/**
 * The reliability rules (docs/domain.md) and the HTTP contract under load: the system's Postgres
 * (a server of the test's own) is killed with kill -9 of the postmaster while phones read and post
 * and a city is being traced, then restarted. Every acknowledged ping is there afterwards and
 * retried batches store nothing twice; every window ends done once with the oracle's result and
 * one history row per applied change; the apps become ready again by themselves.
 */
describe('Postgres restarted under load', () => {
  let postgres: OwnPostgres;
  let sys: TestSystem;

  beforeAll(async () => {
    postgres = await OwnPostgres.start();
    const db = await postgres.testDatabase('hc_test_fault_pg');
    sys = await startSystem('fault-pg', ['api', 'ingest'], oracleCityEnv(4), { db });
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    await postgres?.destroy();
  });

  it('keeps every acknowledged ping, traces every window once as the oracle does, and the apps recover', async () => {
    const { city, load, untracedAtFault, recoveredAt } = await faultWhileTracingCity(sys, async () => {
      postgres.killHard();
      await new Promise((r) => setTimeout(r, 1_000));
      await postgres.restart();
      // Every app is ready again by itself, the same process as before.
      for (const name of APPS) {
        await eventually(
          () =>
            fetch(`${sys.url(name)}/health/ready`).then(
              (r) => r.status,
              () => 0,
            ),
          (s) => s === 200,
          30_000,
          `${name} to be ready again`,
        );
      }
    });

    expect(untracedAtFault).toBeGreaterThan(0);
    expect(APPS.map((name) => [name, sys.apps[name]!.process.exitCode])).toEqual(APPS.map((name) => [name, null]));
    // The crash was seen by phones, and both paths answered again after it.
    expect(
      load.posts.filter((p) => p.status !== 202).length + load.reads.filter((r) => r.status !== 200).length,
    ).toBeGreaterThan(0);
    expect(load.posts.some((p) => p.sentAt > recoveredAt && p.status === 202)).toBe(true);
    expect(load.reads.some((r) => r.sentAt > recoveredAt && r.status === 200)).toBe(true);
    expect(load.wrongGreens()).toEqual([]);

    // Phones retry what failed; afterwards every ping is stored exactly once.
    const retried = await load.retryFailed();
    const { missing, stored } = await load.missingPings();
    expect(missing).toEqual([]);
    expect(stored).toBe((load.acknowledged().length + retried.length) * load.posts[0].batch.pings.length);

    await expectTracedOnceAsTheOracle(sys, city);
  }, 240_000);
});
