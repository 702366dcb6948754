import pg from 'pg';
import { fillPingPartition, pingPartitionAt } from '../../bench/support/partition-fill.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/**
 * The ingest-growth bench fills the partition its load writes to with generated pings: the
 * partition must come back attached, holding exactly those rows, with every index of `pings`.
 */
describe('the bench partition fill', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('fill');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('leaves the partition attached with the generated rows and the indexes of pings', async () => {
    const at = Date.parse('2031-04-20T10:00:00Z');
    const part = await pingPartitionAt(client, at);
    expect(part.fromMs).toBe(Date.parse('2031-04-20T00:00:00Z'));
    expect(part.toMs).toBe(Date.parse('2031-04-21T00:00:00Z'));
    // A row of the load already there goes with the old table.
    await client.query(`INSERT INTO pings (user_id, ts, cell) VALUES (7, to_timestamp($1 / 1000.0), 'wt3mgt0p')`, [at]);
    const cells = ['wt3mgt0p', 'wt3mgt0q', 'wt3mgt0r', 'wt3mgt0w'];
    await fillPingPartition(client, part, 5_000, cells, 1_000_000_000, () => undefined);

    const { rows } = await client.query<{
      n: string;
      inside: string;
      users_ok: boolean;
      cells: string[];
      min_ts: Date;
      max_ts: Date;
    }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE tableoid = $1::regclass) AS inside,
              bool_and(user_id >= 1000000000) AS users_ok, array_agg(DISTINCT cell ORDER BY cell) AS cells,
              min(ts) AS min_ts, max(ts) AS max_ts
       FROM pings`,
      [part.name],
    );
    expect(rows[0]).toMatchObject({ n: '5000', inside: '5000', users_ok: true, cells });
    expect(rows[0].min_ts.getTime()).toBeGreaterThanOrEqual(part.fromMs);
    expect(rows[0].max_ts.getTime()).toBeLessThan(part.toMs);

    // Each index of the partition is attached to its index on pings, valid, and the fill's CHECK is gone.
    const indexes = await client.query<{ parent: string; valid: boolean }>(
      `SELECT i.inhparent::regclass::text AS parent, x.indisvalid AS valid
       FROM pg_index x JOIN pg_inherits i ON i.inhrelid = x.indexrelid
       WHERE x.indrelid = $1::regclass ORDER BY 1`,
      [part.name],
    );
    expect(indexes.rows).toEqual([
      { parent: 'pings_cell_ts', valid: true },
      { parent: 'pings_pkey', valid: true },
    ]);
    const checks = await client.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND conname = 'fill_bounds'`,
      [part.name],
    );
    expect(checks.rowCount).toBe(0);
    // A ping the app writes lands in the filled partition and meets its primary key.
    await client.query(`INSERT INTO pings (user_id, ts, cell) VALUES (7, to_timestamp($1 / 1000.0), 'wt3mgt0p')`, [at]);
    await expect(
      client.query(`INSERT INTO pings (user_id, ts, cell) VALUES (7, to_timestamp($1 / 1000.0), 'wt3mgt0p')`, [at]),
    ).rejects.toThrow(/duplicate key/);
  });
});
