import { DataSource } from 'typeorm';
import { queryRows, Savepoint, UNIQUE_VIOLATION } from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/**
 * Savepoint.attempt (a window's new requests use it): the expected failure undoes only the
 * statement and the transaction goes on; any other failure is thrown; a success answers the rows.
 */
describe('Savepoint', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('savepoint', { empty: true });
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    await ds.query('CREATE TABLE t (id int PRIMARY KEY)');
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  beforeEach(() => ds.query('TRUNCATE t'));

  const ids = async () => (await queryRows<{ id: number }>(ds, 'SELECT id FROM t ORDER BY id')).map((r) => r.id);

  it('answers the rows of a statement that succeeds, which commits with the transaction', async () => {
    const rows = await ds.transaction((tx) =>
      new Savepoint(tx, 'sp').attempt<{ id: number }>(
        UNIQUE_VIOLATION,
        'INSERT INTO t SELECT unnest($1::int[]) RETURNING id',
        ['{1,2}'],
      ),
    );
    expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await ids()).toEqual([1, 2]);
  });

  it('undoes all of a statement that fails as expected, and the transaction goes on', async () => {
    await ds.query('INSERT INTO t VALUES (2)');
    await ds.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      // Set ahead of a read, as a trace sets it ahead of its contacts' statement.
      const savepoint = new Savepoint(tx, 'sp');
      await tx.query('SELECT count(*) FROM t');
      // 3 would go in before 2 collides: the savepoint undoes it too.
      expect(
        await savepoint.attempt(UNIQUE_VIOLATION, 'INSERT INTO t SELECT unnest($1::int[])', ['{3,2}']),
      ).toBeUndefined();
      await tx.query('INSERT INTO t VALUES (4)');
    });
    expect(await ids()).toEqual([1, 2, 4]);
  });

  it('throws any other failure, and the transaction writes nothing', async () => {
    const failing = ds.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      await new Savepoint(tx, 'sp').attempt(UNIQUE_VIOLATION, 'INSERT INTO t SELECT 1 / (cardinality($1::int[]) - 1)', [
        '{7}',
      ]);
    });
    await expect(failing).rejects.toMatchObject({ code: '22012' });
    expect(await ids()).toEqual([]);
  });
});
