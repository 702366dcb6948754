import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '#libs/config/index.js';
import { TracingRepository } from '#libs/db/index.js';
import {
  CELL_RANGE_END,
  contactSearchRanges,
  sourceReachMs,
  windowEndMs,
  windowStartMs,
  type SearchRange,
} from '#libs/domain/index.js';
import { zoneOf } from '#libs/geo/index.js';
import { explainMatching } from '../../bench/support/citus-plan.js';
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
 * matching run on the workers (contacts across zone borders included). One trace shard: the
 * window job matches and stores the exposures in one statement; eight: the shards' pairs.
 */
describe.each([
  { shards: 1, workers: 1 },
  { shards: 8, workers: 2 },
])('tracing on a Citus cluster equals the oracle ($shards shards, $workers batch processes)', ({ shards, workers }) => {
  let sys: TestSystem;
  let db: pg.Client;

  beforeAll(async () => {
    const cluster = await createCitusTestDatabase(`oracle${shards}`);
    sys = await startSystem(`citus-oracle${shards}`, ['api'], oracleCityEnv(shards), { db: cluster });
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

    for (let i = 0; i < workers; i++) await sys.startApp('batch');
    // Generous: under a loaded machine the three nodes share its cores with everything else.
    await waitForCityTraced(db, city, 200_000);
    expect(await compareWithOracle(db, city)).toEqual(noDifferences(city));
  }, 300_000);

  it('runs the matching on the workers: a search inside one zone is one task on the worker holding it', async () => {
    const config = loadConfig(sys.env);
    const windowId = Number((await db.query('SELECT min(id)::float8 AS id FROM windows')).rows[0].id);
    const reach = sourceReachMs(windowId, config.grid, config.contact);
    const ds = await new DataSource({ type: 'postgres', url: sys.db.url }).initialize();
    const sources = await new TracingRepository(ds)
      .findSourcePings(reach.fromMs, reach.toMs, { from: '', to: CELL_RANGE_END })
      .finally(() => ds.destroy());
    const ranges = contactSearchRanges(sources, windowId, config.grid, config.contact, config.geohashPrecision);
    const window = { fromMs: windowStartMs(windowId, config.grid), toMs: windowEndMs(windowId, config.grid) };
    const explain = (rs: SearchRange[]) =>
      explainMatching(db, rs, config.grid.slotSeconds, window, config.contact.radiusMeters);

    // One source ping's search, all inside one zone.
    const first = ranges.find((r) =>
      ranges.every((o) => o.sourceId !== r.sourceId || zoneOf(o.cell) === zoneOf(r.cell)),
    )!;
    const one = ranges.filter((r) => r.sourceId === first.sourceId);
    const shardNode = await db.query<{ node: string }>(
      `SELECT nodename || ':' || nodeport AS node FROM citus_shards
       WHERE shardid = get_shard_id_for_distribution_column('pings', $1::text)`,
      [zoneOf(first.cell)],
    );
    const plan = await explain(one);
    // Pushed down whole (no subplan whose result is pulled to the coordinator), probing the index.
    expect([plan.tasks, plan.subplans, plan.nodes, plan.probesIndex]).toEqual([1, 0, [shardNode.rows[0].node], true]);

    // The whole window's searches: one task per shard holding one of their zones, still no subplan
    // (how each shard reads its many ranges is its own planner's choice).
    const shards = await db.query<{ n: number }>(
      `SELECT count(DISTINCT get_shard_id_for_distribution_column('pings', z))::int AS n FROM unnest($1::text[]) z`,
      [[...new Set(ranges.map((r) => zoneOf(r.cell)))]],
    );
    const all = await explain(ranges);
    expect([all.tasks, all.subplans]).toEqual([shards.rows[0].n, 0]);
  }, 60_000);
});
