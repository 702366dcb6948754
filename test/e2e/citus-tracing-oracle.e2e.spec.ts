import pg from 'pg';
import { createCitusTestDatabase } from '../support/citus.js';
import { startSystem, type TestSystem } from '../support/system.js';
import {
  compareWithOracle,
  loadOracleCity,
  noDifferences,
  oracleCityEnv,
  waitForCityTraced,
} from '../support/tracing-oracle.js';

/**
 * The oracle city of tracing-oracle.e2e.spec.ts on a Citus cluster (a coordinator and two workers,
 * pings distributed by zone): the real apps must store exactly the exposures and requests the
 * brute-force oracle expects, which is what the single server stores for the same city, with the
 * matching run on the workers (contacts across zone borders included).
 */
describe('tracing on a Citus cluster equals the oracle (8 shards, 2 batch processes)', () => {
  let sys: TestSystem;
  let db: pg.Client;

  beforeAll(async () => {
    const cluster = await createCitusTestDatabase('oracle');
    sys = await startSystem('citus-oracle', ['api'], oracleCityEnv(8), { db: cluster });
    db = new pg.Client({ connectionString: sys.db.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('stores exactly the oracle’s exposures and requests', async () => {
    const city = await loadOracleCity(sys, db);
    // Contacts across the zones' borders (4-character prefixes: the distribution key) are in the city.
    expect(city.bordersCrossed.prefix4).toBeGreaterThanOrEqual(20);
    // ... and the pings are spread over both workers.
    const nodes = await db.query<{ node: string; pings: number }>(
      `SELECT s.nodeport::text AS node, sum(c.n)::int AS pings
       FROM (SELECT get_shard_id_for_distribution_column('pings', zone) AS shardid, count(*) AS n FROM pings GROUP BY zone) c
       JOIN citus_shards s ON s.shardid = c.shardid GROUP BY 1`,
    );
    expect(nodes.rows.length).toBe(2);

    await sys.startApp('batch');
    await sys.startApp('batch');
    await waitForCityTraced(db, city, 90_000);
    expect(await compareWithOracle(db, city)).toEqual(noDifferences(city));
  }, 180_000);
});
