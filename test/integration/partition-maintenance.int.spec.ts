import pg from 'pg';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadConfig } from '#libs/config/index.js';
import { APP_DB_CONNECTION_OPTIONS, PingPartitionRepository } from '#libs/db/index.js';
import { PartitionMaintenance } from '../../apps/batch/src/maintenance/partition-maintenance.service.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/** What the batch app exports as the partitions past the retention still present. */
const pastRetentionGauge = async () =>
  (await register.getSingleMetric('hc_ping_partitions_past_retention')!.get()).values[0]?.value;

/** Retention drops whole day partitions past HC_RETENTION_DAYS and creates the coming days'. */
describe('PartitionMaintenance', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let partitions: PingPartitionRepository;

  beforeAll(async () => {
    db = await createTestDatabase('retention');
    // As the apps connect: their own login, which does not own the partitions it creates and drops.
    ds = await new DataSource({
      type: 'postgres',
      url: db.appUrl,
      extra: { options: APP_DB_CONNECTION_OPTIONS },
    }).initialize();
    partitions = new PingPartitionRepository(ds);
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('blanks the location evidence of windows past the retention, keeps exposure seconds and newer evidence', async () => {
    const now = Date.parse('2031-04-20T10:00:00Z');
    // Windows of an hour: one that ended 15 days ago, one that ended 13 days ago (retention 14 days).
    const oldId = Math.floor(Date.parse('2031-04-05T09:00:00Z') / 3_600_000);
    const newId = Math.floor(Date.parse('2031-04-07T09:00:00Z') / 3_600_000);
    await db.query(
      `INSERT INTO windows (id, starts_at, ends_at) SELECT id, to_timestamp(id * 3600), to_timestamp((id + 1) * 3600)
       FROM unnest($1::bigint[]) id`,
      [[oldId, newId]],
    );
    await db.query(
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells, meters, seconds_apart)
       SELECT w, 2, 1, 600, '{1,2}', '{u33dc0cp}', 4.5, 30 FROM unnest($1::bigint[]) w`,
      [[oldId, newId]],
    );
    const maintenance = new PartitionMaintenance(loadConfig({ HC_RETENTION_DAYS: '14' }), partitions);
    await maintenance.maintain(now);
    const rows = await db.query(
      'SELECT window_id::float8 AS w, seconds, slots::float8[] AS slots, cells, meters, seconds_apart AS apart FROM exposures ORDER BY 1',
    );
    expect(rows).toEqual([
      { w: oldId, seconds: 600, slots: [], cells: [], meters: null, apart: null },
      { w: newId, seconds: 600, slots: [1, 2], cells: ['u33dc0cp'], meters: 4.5, apart: 30 },
    ]);
    await db.query('DELETE FROM exposures; DELETE FROM windows');
  });

  it('drops the partitions wholly older than the retention, keeps the rest and their rows, creates the next days', async () => {
    const now = Date.parse('2031-03-20T10:00:00Z');
    await partitions.ensurePartitions(['2031-03-01', '2031-03-05', '2031-03-06', '2031-03-07', '2031-03-19']);
    await db.query(
      `INSERT INTO pings (user_id, ts, cell) VALUES (1, '2031-03-05T12:00:00Z', 'u33dc0cp'), (1, '2031-03-06T23:59:00Z', 'u33dc0cp'), (1, '2031-03-19T08:00:00Z', 'u33dc0cp')`,
    );
    const maintenance = new PartitionMaintenance(loadConfig({ HC_RETENTION_DAYS: '14' }), partitions);

    const { created, dropped } = await maintenance.maintain(now);

    expect(dropped.sort()).toEqual(['2031-03-01', '2031-03-05']);
    expect(created).toEqual(expect.arrayContaining(['2031-03-20', '2031-03-21', '2031-03-22']));
    const days = (await partitions.listPartitions()).map((p) => p.day);
    expect(days).toEqual(
      expect.arrayContaining(['2031-03-06', '2031-03-07', '2031-03-19', '2031-03-20', '2031-03-22']),
    );
    expect(days).not.toContain('2031-03-05');
    const rows = await db.query<{ ts: Date }>(`SELECT ts FROM pings WHERE ts >= '2031-01-01' ORDER BY ts`);
    expect(rows.map((r) => r.ts.toISOString())).toEqual(['2031-03-06T23:59:00.000Z', '2031-03-19T08:00:00.000Z']);

    // Running again changes nothing.
    expect(await maintenance.maintain(now)).toEqual({ created: [], dropped: [], postponed: [] });
  });

  it('creates the coming days while a transaction that read pings stays open; drops the expired ones once it ended', async () => {
    const now = Date.parse('2032-06-20T10:00:00Z');
    await partitions.ensurePartitions(['2032-06-01']);
    const maintenance = new PartitionMaintenance(loadConfig({ HC_RETENTION_DAYS: '14' }), partitions);
    // As a trace's transaction holds pings while it waits for its other one (which reads pings too).
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    let expired: string[];
    try {
      await reader.query(`BEGIN; SELECT count(*) FROM pings WHERE ts >= '2032-06-01'`);
      // Created by attaching (no wait for the reader); the drop, which would need pings to itself, gives up.
      // (The days of the test above are past the retention too.)
      expired = (await partitions.listPartitions()).map((p) => p.day).filter((d) => d < '2032-06-06');
      expect(await maintenance.maintain(now)).toEqual({
        created: ['2032-06-19', '2032-06-20', '2032-06-21', '2032-06-22'],
        dropped: [],
        postponed: expired,
      });
      expect(expired).toContain('2032-06-01');
      expect(await maintenance.pastRetention(now)).toBe(expired.length);
      // Meanwhile, nobody queued behind a waiting partition change: another session writes and reads the new day.
      await db.query(`INSERT INTO pings (user_id, ts, cell) VALUES (1, '2032-06-21T08:00:00Z', 'u33dc0cp')`);
      expect(await db.query(`SELECT count(*)::int AS n FROM pings_20320621`)).toEqual([{ n: 1 }]);
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    expect(await maintenance.maintain(now)).toEqual({ created: [], dropped: expired, postponed: [] });
    expect(await maintenance.pastRetention(now)).toBe(0);
    // The attached partitions have the parent's indexes (the trace's probes and the primary key).
    const indexes = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'pings_20320621' ORDER BY indexdef`,
    );
    expect(indexes.map((i) => i.indexdef.replace(/^.* USING /, ''))).toEqual([
      'btree (cell, ts)',
      'btree (user_id, ts)',
    ]);
    // ... as partitions of the parent's indexes (so the primary key holds across days and the planner sees one index).
    const parents = await db.query<{ parent: string }>(
      `SELECT p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE c.relkind = 'i' AND c.relname LIKE 'pings\\_20320621%' ORDER BY 1`,
    );
    expect(parents.map((r) => r.parent)).toEqual(['pings_cell_ts', 'pings_pkey']);
  });

  // Whichever batch process ran the last drop: every one reads the same from Postgres when scraped.
  it('exports the partitions past the retention that Postgres still has, read when scraped', async () => {
    const maintenance = new PartitionMaintenance(loadConfig({ HC_RETENTION_DAYS: '14' }), partitions);
    maintenance.onModuleInit();
    const old = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    await partitions.ensurePartitions([old]);
    expect(await pastRetentionGauge()).toBe(1);
    expect((await maintenance.maintain()).dropped).toEqual([old]);
    expect(await pastRetentionGauge()).toBe(0);
  });
});
