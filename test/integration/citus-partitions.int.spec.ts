import { DataSource } from 'typeorm';
import { loadConfig } from '#libs/config/index.js';
import { APP_DB_CONNECTION_OPTIONS, PingPartitionRepository } from '#libs/db/index.js';
import { PartitionMaintenance } from '../../apps/batch/src/maintenance/partition-maintenance.service.js';
import { citusNodes, createCitusTestDatabase, withNode } from '../support/citus.js';
import type { TestDatabase } from '../support/databases.js';

/** The shard tables of one day's partition on each worker (`pings_YYYYMMDD_<shard id>`), by worker. */
async function shardTablesOnWorkers(db: TestDatabase, day: string): Promise<number[]> {
  const { workerUrls } = citusNodes();
  return Promise.all(
    workerUrls.map((url) =>
      withNode(url, db.name, async (c) => {
        // Citus hides the shards from catalog queries on a worker unless told not to.
        await c.query('SET citus.override_table_visibility TO off');
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relname ~ $1`,
          [`^pings_${day.replaceAll('-', '')}_[0-9]+$`],
        );
        return rows[0].n;
      }),
    ),
  );
}

/**
 * Retention on a Citus cluster: the batch's maintenance, acting as the app role through the
 * coordinator, creates the coming days' partitions and drops the expired ones on every worker,
 * where their shards live.
 */
describe('PartitionMaintenance on a Citus cluster', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let partitions: PingPartitionRepository;

  beforeAll(async () => {
    db = await createCitusTestDatabase('retention');
    ds = await new DataSource({
      type: 'postgres',
      url: db.url,
      extra: { options: APP_DB_CONNECTION_OPTIONS },
    }).initialize();
    partitions = new PingPartitionRepository(ds);
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('drops the expired day partitions on every worker and keeps the newer days and their pings', async () => {
    const now = Date.parse('2031-03-20T10:00:00Z');
    await partitions.ensurePartitions(['2031-03-01', '2031-03-05', '2031-03-06', '2031-03-19']);
    // Pings of several zones, so that both workers hold rows of each day.
    await db.query(
      `INSERT INTO pings (user_id, ts, cell, zone)
       SELECT u, d::timestamptz + (u || ' s')::interval, c, left(c, 4)
       FROM unnest('{2031-03-05T12:00:00Z,2031-03-06T23:00:00Z,2031-03-19T08:00:00Z}'::text[]) d,
            unnest('{u33dc0cp,u33ec0cp,u33fc0cp,u336c0cp,wt3mgt0p,dr5ru6j2}'::text[]) c,
            generate_series(1, 3) u`,
    );
    const perWorker = await shardTablesOnWorkers(db, '2031-03-05');
    expect(perWorker.every((n) => n > 0)).toBe(true);
    const holding = await db.query<{ port: number }>(
      `SELECT DISTINCT s.nodeport AS port FROM pings p
       JOIN citus_shards s ON s.shardid = get_shard_id_for_distribution_column('pings', p.zone)
       WHERE p.ts >= '2031-03-05' AND p.ts < '2031-03-06'`,
    );
    expect(holding.length).toBe(2);

    const maintenance = new PartitionMaintenance(loadConfig({ HC_RETENTION_DAYS: '14' }), partitions);
    const { created, dropped } = await maintenance.maintain(now);

    expect(dropped.sort()).toEqual(['2031-03-01', '2031-03-05']);
    expect(created).toEqual(expect.arrayContaining(['2031-03-20', '2031-03-21', '2031-03-22']));
    expect(await shardTablesOnWorkers(db, '2031-03-05')).toEqual([0, 0]);
    expect(await shardTablesOnWorkers(db, '2031-03-01')).toEqual([0, 0]);
    expect((await shardTablesOnWorkers(db, '2031-03-06')).every((n) => n > 0)).toBe(true);
    expect((await shardTablesOnWorkers(db, '2031-03-21')).every((n) => n > 0)).toBe(true);
    const kept = await db.query<{ day: string; n: number }>(
      `SELECT to_char(ts, 'YYYY-MM-DD') AS day, count(*)::int AS n FROM pings WHERE ts >= '2031-01-01' GROUP BY 1 ORDER BY 1`,
    );
    expect(kept).toEqual([
      { day: '2031-03-06', n: 18 },
      { day: '2031-03-19', n: 18 },
    ]);
    expect(await maintenance.maintain(now)).toEqual({ created: [], dropped: [], postponed: [] });
  }, 120_000);
});
