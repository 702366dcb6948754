import { call, type JsonResponse as Answer } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { expectNoDuplicateEffects, loadTracingFixture, waitForWindowsDone } from '../support/tracing-fixture.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `clients` loops of `request` until the server stops answering after `stopped` is set,
 * collecting every answer in `seen` (a refused or reset connection is not an answer).
 * `request` gets the client's number and its request's.
 */
async function load<T extends { status: number }>(
  clients: number,
  request: (client: number, i: number) => Promise<T>,
  stopping: { now: boolean },
  seen: T[],
): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; ; i++) {
        const r = await request(c, i).catch(() => null);
        if (r) seen.push(r);
        else if (stopping.now) return;
        else await pause(10);
      }
    }),
  );
}

/** Waits until `count` of the answers seen have `status` (on a busy machine this takes longer than usual). */
async function untilAnswered(seen: { status: number }[], status: number, count: number): Promise<void> {
  for (const deadline = Date.now() + 20_000; seen.filter((r) => r.status === status).length < count; await pause(50)) {
    if (Date.now() > deadline)
      throw new Error(`only ${seen.filter((r) => r.status === status).length} answers ${status} in 20 s`);
  }
}

/**
 * Every app drains on SIGTERM (docs/domain.md, Reliability rules): no 5xx, nothing acknowledged
 * lost, no job lost or run twice.
 */
describe('SIGTERM under load: a graceful drain', () => {
  let sys: TestSystem;
  let user: { userId: string; token: string };

  beforeAll(async () => {
    sys = await startSystem('drain', ['api', 'ingest']);
    user = (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body;
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('api: readers see answers (no 5xx) until the port closes, and the process exits 0', async () => {
    const api = sys.apps.api!;
    const stopping = { now: false };
    const seen: Answer[] = [];
    const running = load(16, () => call('GET', `${api.url}/v1/codes/me`, { token: user.token }), stopping, seen);
    // Readers are served before the stop (the stop comes mid-stream, not before the first answer).
    await untilAnswered(seen, 200, 50);
    stopping.now = true;
    const code = await api.stop();
    await running;
    expect(seen.filter((r) => r.status >= 500)).toEqual([]);
    expect(code).toBe(0);
  }, 60_000);

  it('ingest: every 202 is committed, no 5xx, and the process exits 0', async () => {
    const ingest = sys.apps.ingest!;
    const base = Date.now() - 5 * 60_000;
    const stopping = { now: false };
    // Client c's request i: 20 pings of one person, at times no other request uses (within the last 5 minutes).
    const send = (c: number, i: number) =>
      call('POST', `${ingest.url}/v1/pings`, {
        token: user.token,
        body: {
          pings: Array.from({ length: 20 }, (_, k) => ({ ts: base + (i * 8 + c) * 20 + k, geohash: 'u33dc0cp' })),
        },
      });
    const seen: Answer[] = [];
    const running = load(8, send, stopping, seen);
    await untilAnswered(seen, 202, 6);
    stopping.now = true;
    const code = await ingest.stop();
    await running;
    expect(seen.filter((r) => r.status >= 500)).toEqual([]);
    const acknowledged = seen.filter((r) => r.status === 202);
    // Every client's pings are stored (none rejected as too far in the future).
    expect(acknowledged.map((r) => r.body.accepted).filter((n) => n !== 20)).toEqual([]);
    const [stored] = await sys.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pings WHERE user_id = $1', [
      user.userId,
    ]);
    expect(stored.n).toBe(acknowledged.reduce((n, r) => n + (r.body.accepted as number), 0));
    expect(code).toBe(0);
  }, 60_000);

  it('batch: SIGTERM while tracing returns or finishes its jobs; another worker completes every window once', async () => {
    const own = await startSystem('drain_batch', [], { HC_TRACE_SHARDS: '8' });
    try {
      await traceThroughSigterm(own);
    } finally {
      await own.stop();
    }
  }, 150_000);
});

async function traceThroughSigterm(sys: TestSystem): Promise<void> {
  const fixture = await loadTracingFixture(sys.db, { windows: 3, people: 300 });
  const first = await sys.startApp('batch');
  for (let i = 0; i < 6000; i++) {
    const rows = await sys.db.query(`SELECT 1 FROM windows WHERE id = ANY($1) AND status = 'processing'`, [
      fixture.windowIds,
    ]);
    if (rows.length) break;
    await pause(10);
  }
  expect(await first.stop()).toBe(0);
  await sys.startApp('batch');
  await waitForWindowsDone(sys.db, fixture.windowIds, 90_000);
  await expectNoDuplicateEffects(sys.db);
  const [requests] = await sys.db.query<{ n: number; distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT (user_id, window_id))::int AS distinct FROM code_changes WHERE window_id = ANY($1)',
    [fixture.windowIds],
  );
  expect(requests.n).toBeGreaterThan(0);
  expect(requests.n).toBe(requests.distinct);
}
