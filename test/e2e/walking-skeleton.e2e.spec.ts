import { encodeCell } from '#libs/geo/index.js';
import { lastClosedWindowId, windowStartMs } from '#libs/domain/index.js';
import { call, eventually } from '../support/http.js';
import { FAST_GRID_ENV, TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = { windowSeconds: 60, slotSeconds: 10, graceSeconds: 5 };

/**
 * One thin path through all three apps over HTTP, against real Postgres and Redis: people
 * register, an admin sets one red, all send pings, the window closes, batch traces it, and the
 * contact reads yellow while someone far away stays green.
 */
describe('walking skeleton', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    // Batch starts in the first test, once the pings are stored: a tick between two phones' posts
    // would start tracing the window and make the later phones' pings late.
    sys = await startSystem('skeleton', ['api', 'ingest']);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('traces a closed window and turns the contact yellow', async () => {
    expect(Number(FAST_GRID_ENV.HC_WINDOW_SECONDS)).toBe(grid.windowSeconds);
    const api = sys.url('api');
    const ingest = sys.url('ingest');
    const register = async () =>
      (await call('POST', `${api}/v1/users`, { body: {} })).body as { userId: string; token: string };
    const [source, contact, farAway] = [await register(), await register(), await register()];

    const login = await call('POST', `${api}/v1/admin/sessions`, { body: TEST_ADMIN });
    expect(login.status).toBe(200);
    const setRed = await call('PUT', `${api}/v1/admin/users/${source.userId}/code`, {
      token: login.body.token,
      body: { color: 'red', reason: 'positive test' },
    });
    expect(setRed.status).toBe(200);
    expect(setRed.body.color).toBe('red');

    // A window that closed a few minutes ago: its pings are complete as soon as they are stored.
    // Batch is not running yet, and registers windows only from the last closed one on, so this
    // window is untraced until ingest registers it (a window traced already would make them late).
    const windowId = lastClosedWindowId(Date.now(), grid) - 3;
    const start = windowStartMs(windowId, grid);
    const here = encodeCell(52.520008, 13.404954, 8);
    const nextDoor = encodeCell(52.52015, 13.40515, 8);
    const elsewhere = encodeCell(48.8566, 2.3522, 8);
    const times = [0, 1, 2, 3, 4, 5].map((slot) => start + slot * 10_000 + 2_000);
    const send = (token: string, cell: string) =>
      call('POST', `${ingest}/v1/pings`, { token, body: { pings: times.map((ts) => ({ ts, geohash: cell })) } });

    expect((await send(source.token, here)).body).toEqual({ accepted: 6, late: 0, rejected: 0 });
    expect((await send(contact.token, nextDoor)).body).toEqual({ accepted: 6, late: 0, rejected: 0 });
    expect((await send(farAway.token, elsewhere)).body).toEqual({ accepted: 6, late: 0, rejected: 0 });
    await sys.startApp('batch');

    const seen = await eventually(
      () => call('GET', `${api}/v1/codes/me`, { token: contact.token }),
      (r) => r.body?.color === 'yellow',
      60_000,
      'the contact to read yellow',
    );
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ userId: contact.userId, color: 'yellow', reason: 'exposure' });
    expect(Date.parse(seen.body.expiresAt)).toBeGreaterThan(Date.now());

    const far = await call('GET', `${api}/v1/codes/me`, { token: farAway.token });
    expect(far.body).toMatchObject({ color: 'green', expiresAt: null });
    const red = await call('GET', `${api}/v1/codes/me`, { token: source.token });
    expect(red.body.color).toBe('red');

    const [window] = await sys.db.query<{ status: string; stats: { contacts: number; autoApplied: number } }>(
      'SELECT status, stats FROM windows WHERE id = $1',
      [windowId],
    );
    expect(window).toMatchObject({ status: 'done', stats: { contacts: 1, autoApplied: 1 } });
    const exposures = await sys.db.query(
      'SELECT contact_id::text, source_id::text, seconds FROM exposures WHERE window_id = $1',
      [windowId],
    );
    expect(exposures).toEqual([{ contact_id: contact.userId, source_id: source.userId, seconds: 60 }]);

    // The window is traced now: one more ping for it is stored and reported late.
    const late = await call('POST', `${ingest}/v1/pings`, {
      token: farAway.token,
      body: { pings: [{ ts: start + 59_000, geohash: elsewhere }] },
    });
    expect(late.body).toEqual({ accepted: 0, late: 1, rejected: 0 });
  }, 120_000);

  it('batch serves health and Prometheus metrics', async () => {
    const ready = await call('GET', `${sys.url('batch')}/health/ready`);
    expect(ready.body.info).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up' },
      queue: { status: 'up' },
    });
    const metrics = await fetch(`${sys.metricsUrl('batch')}/metrics`).then((r) => r.text());
    expect(metrics).toContain('app="batch"');
  });
});
