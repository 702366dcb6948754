import { call, eventually } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/** HC_HTTP_WORKERS > 1: several processes serve one port, and the metrics port speaks for all of them. */
describe('api with two workers', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startSystem('cluster', ['api'], { HC_HTTP_WORKERS: '2' });
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const countOf = (metrics: string, status: number) => {
    const line = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_request_duration_seconds_count') &&
          l.includes('route="/v1/codes/me"') &&
          l.includes(`status="${status}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('counts every request in the metrics whichever worker answered it', async () => {
    const user = (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body;
    // Both workers up: startApp returns when the first answers, and a scrape needs every worker.
    await eventually(
      () =>
        fetch(`${sys.metricsUrl('api')}/metrics`, { headers: { connection: 'close' } }).then(
          async (r) => (await r.text(), r.status),
        ),
      (s) => s === 200,
      30_000,
      'every worker to answer /metrics',
    );
    // New connections each time, so both workers serve some of them.
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${sys.url('api')}/v1/codes/me`, {
        headers: { authorization: `Bearer ${user.token}`, connection: 'close' },
      });
      expect(r.status).toBe(200);
      await r.text();
    }
    for (let i = 0; i < 4; i++) {
      const metrics = await fetch(`${sys.metricsUrl('api')}/metrics`, { headers: { connection: 'close' } }).then((r) =>
        r.text(),
      );
      expect(countOf(metrics, 200)).toBe(20);
    }
  });

  it('stops all workers on SIGTERM', async () => {
    const code = await sys.apps.api!.stop();
    expect(code).toBe(0);
  });
});
