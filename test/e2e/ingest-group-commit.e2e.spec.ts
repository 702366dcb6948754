import { call, metricIn as metric } from '../support/http.js';
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
    const metrics = await fetch(`${sys.url('ingest')}/metrics`).then((r) => r.text());
    expect(metric(metrics, 'hc_pings_total', 'outcome="accepted"')).toBe(10_000);
    expect(metric(metrics, 'hc_ingest_commit_pings_sum')).toBe(10_000);
    const commits = metric(metrics, 'hc_ingest_commit_pings_count');
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(200);
    expect(metric(metrics, 'hc_ingest_writer_pending_pings')).toBe(0);
  });
});
