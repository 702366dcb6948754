import pg from 'pg';
import { startSystem, type TestSystem } from '../support/system.js';
import {
  compareWithOracle,
  loadOracleCity,
  noDifferences,
  oracleCityEnv,
  waitForCityTraced,
} from '../support/tracing-oracle.js';

/**
 * A simulated city of thousands over several windows (people on geohash prefix borders, pings on
 * window edges, reds infectious from mid-window), loaded straight into Postgres, traced by the real
 * batch app(s): the stored exposures and code-change requests must equal the brute-force oracle's,
 * whatever the number of shards and worker processes.
 */
describe.each([
  { shards: 1, workers: 1, radiusMeters: 20 },
  { shards: 16, workers: 2, radiusMeters: 20 },
  { shards: 4, workers: 1, radiusMeters: 40 },
])(
  'tracing equals the oracle ($shards shards, $workers batch processes, radius $radiusMeters m)',
  ({ shards, workers, radiusMeters }) => {
    let sys: TestSystem;
    let db: pg.Client;

    beforeAll(async () => {
      // Only the api at first: nothing may be traced before the city is loaded and the codes set.
      sys = await startSystem(`oracle${shards}`, ['api'], oracleCityEnv(shards, radiusMeters));
      db = new pg.Client({ connectionString: sys.db.url });
      await db.connect();
    }, 60_000);

    afterAll(async () => {
      await db?.end();
      await sys?.stop();
    });

    it('stores exactly the oracle’s exposures and requests', async () => {
      const city = await loadOracleCity(sys, db, radiusMeters);
      // Contacts are found across prefix borders and window edges (what sharding and windows could miss).
      expect(Object.entries(city.bordersCrossed).filter(([, n]) => n < 20)).toEqual([]);
      // The city exercises every outcome in every window.
      const { exposures, requests } = city.expected;
      for (let w = city.firstWindowId; w < city.firstWindowId + city.windows; w++) {
        const inWindow = requests.filter((r) => r.windowId === w);
        expect([
          w,
          inWindow.some((r) => r.auto),
          inWindow.some((r) => !r.auto),
          exposures.some((e) => e.windowId === w && e.seconds < 20),
        ]).toEqual([w, true, true, true]);
      }

      for (let i = 0; i < workers; i++) await sys.startApp('batch');
      await waitForCityTraced(db, city, 60_000);
      expect(await compareWithOracle(db, city)).toEqual(noDifferences(city));
    }, 300_000); // a guard against a hang: the load alone takes a minute on two quiet cores
  },
);
