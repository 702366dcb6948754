import { withDatabaseClient } from '../support/databases.js';
import { call, eventually, metricIn as metric } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/** Concurrent phones are written together (group commit), each answered after its commit. */
describe('ingest group commit', () => {
  let sys: TestSystem;
  let users: { userId: string; token: string }[];

  beforeAll(async () => {
    sys = await startSystem('groupcommit', ['api', 'ingest']);
    users = await Promise.all(
      Array.from({ length: 200 }, async () => (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body),
    );
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('stores every ping of 200 concurrent batches, in fewer commits than requests, and counts them', async () => {
    const now = Date.now();
    const answers = await Promise.all(
      users.map((u, i) =>
        call('POST', `${sys.url('ingest')}/v1/pings`, {
          token: u.token,
          body: {
            pings: Array.from({ length: 50 }, (_, k) => ({
              ts: now - 60_000 + k * 1000,
              geohash: `u33dc0c${'0123456789bcdefg'[i % 16]}`,
            })),
          },
        }),
      ),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 202, body: { accepted: 50, late: 0, rejected: 0 } });
    const [{ n }] = await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings');
    expect(Number(n)).toBe(200 * 50);
    const metrics = await fetch(`${sys.metricsUrl('ingest')}/metrics`).then((r) => r.text());
    expect(metric(metrics, 'hc_pings_total', 'outcome="accepted"')).toBe(10_000);
    expect(metric(metrics, 'hc_ingest_commit_pings_sum')).toBe(10_000);
    const commits = metric(metrics, 'hc_ingest_commit_pings_count');
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(200);
    expect(metric(metrics, 'hc_ingest_writer_pending_pings')).toBe(0);
  });

  it('a request whose rows Postgres refuses fails alone; the others of its group commit, exactly once', async () => {
    const ingest = sys.url('ingest');
    const people: { userId: string; token: string }[] = await Promise.all(
      Array.from({ length: 12 }, async () => (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body),
    );
    const ts = Date.now() - 30_000;
    const post = (u: { token: string }, geohash: string) =>
      call('POST', `${ingest}/v1/pings`, { token: u.token, body: { pings: [{ ts, geohash }] } });
    const storedOf = async (u: { userId: string }) =>
      Number(
        (await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [u.userId]))[0].n,
      );
    // The day's partition and the window exist, and the process knows them.
    expect((await post(people[0], 'u33dc0c0')).status).toBe(202);
    const [{ part }] = await sys.db.query<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM pings WHERE user_id = $1 AND ts = to_timestamp($2 / 1000.0)',
      [people[0].userId, ts],
    );
    // Values that pass every check of the API but that Postgres refuses, set up on the partition
    // alone: a constraint (the client's data: 400) and a trigger failing otherwise (503).
    await sys.db.query(`ALTER TABLE ${part} ADD CONSTRAINT test_refuses_a_cell CHECK (cell <> 'u33dc0cz')`);
    await sys.db.query(`CREATE FUNCTION test_fails_a_cell() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.cell = 'u33dc0cy' THEN RAISE EXCEPTION 'a failure for this row'; END IF; RETURN NEW; END $$`);
    await sys.db.query(
      `CREATE TRIGGER test_fails_a_cell BEFORE INSERT ON ${part} FOR EACH ROW EXECUTE FUNCTION test_fails_a_cell()`,
    );

    const group = people.slice(2, 12);
    const refused = group[3];
    const failing = group[6];
    const cellOf = (u: { userId: string }) => (u === refused ? 'u33dc0cz' : u === failing ? 'u33dc0cy' : 'u33dc0c1');
    // One commit held on a lock of the partition, so the next requests wait in the writer and go
    // to Postgres together, as one group.
    const answers = await withDatabaseClient(sys.db, async (lock) => {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${part} IN SHARE MODE`);
      const held = post(people[1], 'u33dc0c0');
      await eventually(
        () =>
          sys.db.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          ),
        (rows) => Number(rows[0].n) > 0,
        10_000,
        'a commit waiting for the partition',
      );
      const grouped = group.map((u) => post(u, cellOf(u)));
      await eventually(
        () => fetch(`${sys.metricsUrl('ingest')}/metrics`).then((r) => r.text()),
        (text) => metric(text, 'hc_ingest_writer_pending_pings') === group.length,
        10_000,
        'the requests waiting in the writer',
      );
      await lock.query('COMMIT');
      return { held: await held, grouped: await Promise.all(grouped) };
    });

    expect(answers.held).toMatchObject({ status: 202, body: { accepted: 1 } });
    for (const [i, u] of group.entries()) {
      const answer = answers.grouped[i];
      if (u === refused)
        expect(answer).toMatchObject({ status: 400, body: { error: 'VALIDATION', details: [{ field: 'pings' }] } });
      else if (u === failing) expect(answer).toMatchObject({ status: 503, body: { error: 'UNAVAILABLE' } });
      else expect(answer).toMatchObject({ status: 202, body: { accepted: 1, late: 0, rejected: 0 } });
      expect(await storedOf(u)).toBe(u === refused || u === failing ? 0 : 1);
    }
    const metrics = await fetch(`${sys.metricsUrl('ingest')}/metrics`).then((r) => r.text());
    expect(metric(metrics, 'hc_ingest_commit_splits_total')).toBeGreaterThan(0);

    // Sent again: the refused one is refused again; the one that failed is stored once its cause
    // is gone, once however often it is sent; a stored one is not stored twice.
    expect(await post(refused, cellOf(refused))).toMatchObject({ status: 400 });
    await sys.db.query(`DROP TRIGGER test_fails_a_cell ON ${part}`);
    for (const u of [failing, failing, group[0]]) {
      expect(await post(u, cellOf(u))).toMatchObject({ status: 202, body: { accepted: 1, late: 0, rejected: 0 } });
      expect(await storedOf(u)).toBe(1);
    }
  });
});
