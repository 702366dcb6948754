import { createCitusTestDatabase } from '../support/citus.js';
import type { TestDatabase } from '../support/databases.js';
import { call, eventually } from '../support/http.js';
import { loginAdmin } from '../support/admin.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { FAST_GRID, loadTracingFixture, tracingResult, waitForWindowsDone } from '../support/tracing-fixture.js';
import { userTokenSigner } from '../support/user-tokens.js';
import { windowEndMs, windowStartMs } from '#libs/domain/index.js';

/** A from-scratch trace of the fixture (nothing late, `prepare` applied first): the reference. */
async function traceFromScratch(
  label: string,
  fixture: { windows: number; people: number },
  prepare: (sys: TestSystem, windowIds: number[]) => Promise<void>,
) {
  const sys = await startSystem(label, []);
  try {
    const loaded = await loadTracingFixture(sys.db, fixture);
    await prepare(sys, loaded.windowIds);
    await sys.startApp('batch');
    await waitForWindowsDone(sys.db, loaded.windowIds, 60_000);
    return await tracingResult(sys.db, loaded.windowIds);
  } finally {
    await sys.stop();
  }
}

/**
 * Tracing through time against the real apps: a retro-trace and the late-ping passes merge into
 * windows already traced, and must end with exactly the exposures and requests that a trace from
 * scratch of the same data gives (a second database, as in tracing-crash, on one server). Both on
 * one server and on a Citus cluster (pings distributed by zone), whose result must be the single
 * server's.
 */
describe.each([
  { backend: 'one server', database: undefined },
  { backend: 'a Citus cluster', database: (label: string) => createCitusTestDatabase(label) },
] as { backend: string; database?: (label: string) => Promise<TestDatabase> }[])(
  'tracing through time on $backend',
  ({ database }) => {
    const system = async (label: string, apps: Parameters<typeof startSystem>[1], env: Record<string, string> = {}) =>
      startSystem(label, apps, env, database ? { db: await database(label) } : {});

    it('a person set red after three traced windows: the retro-trace gives exactly the from-scratch result', async () => {
      const fixture = { windows: 3, people: 300 };
      const sys = await system('retro', ['api']);
      let person = '';
      let infectiousFromMs = 0;
      let retraced: Awaited<ReturnType<typeof tracingResult>>;
      try {
        const loaded = await loadTracingFixture(sys.db, fixture);
        await sys.startApp('batch');
        await waitForWindowsDone(sys.db, loaded.windowIds, 60_000);
        const before = await tracingResult(sys.db, loaded.windowIds);
        // Someone exposed but with no request of their own (as a red, the reference gives them none).
        const [pick] = await sys.db.query<{ id: string }>(
          `SELECT u.id::text FROM generate_series(1, $1) AS u(id)
         WHERE u.id % 25 <> 0 AND NOT EXISTS (SELECT 1 FROM code_changes c WHERE c.user_id = u.id)
           AND EXISTS (SELECT 1 FROM exposures e WHERE e.contact_id = u.id)
         ORDER BY u.id LIMIT 1`,
          [fixture.people],
        );
        person = pick.id;
        infectiousFromMs = windowStartMs(loaded.windowIds[0], FAST_GRID) - 60_000;
        const admin = await loginAdmin(sys);
        const set = await call('PUT', `${sys.url('api')}/v1/admin/users/${person}/code`, {
          token: admin.token,
          body: { color: 'red', reason: 'positive test', infectiousFrom: new Date(infectiousFromMs).toISOString() },
        });
        expect(set.status).toBe(200);
        const [item] = await eventually(
          () =>
            sys.db.query<{ status: string; windows_traced: number }>(
              'SELECT status, windows_traced FROM retro_traces WHERE user_id = $1',
              [person],
            ),
          (rows) => rows[0]?.status === 'done',
          60_000,
          'the retro-trace',
        );
        expect(item.windows_traced).toBeGreaterThanOrEqual(fixture.windows); // and the empty windows traced since
        retraced = await tracingResult(sys.db, loaded.windowIds);
        // It found something, and not by tracing the windows whole again.
        expect(retraced.requests.length).toBeGreaterThan(before.requests.length);
        const windows = await sys.db.query<{ generation: number; retro: number }>(
          `SELECT generation, (stats ->> 'retroPasses')::int AS retro FROM windows WHERE id = ANY($1)`,
          [loaded.windowIds],
        );
        expect(windows.map((w) => [w.generation, w.retro])).toEqual(loaded.windowIds.map(() => [1, 1]));
      } finally {
        await sys.stop();
      }
      const reference = await traceFromScratch('retro-ref', fixture, async (ref) => {
        await ref.db.query(
          `UPDATE health_codes SET color = 'red', infectious_from = to_timestamp($2 / 1000.0) WHERE user_id = $1`,
          [person, infectiousFromMs],
        );
      });
      expect(retraced).toEqual(reference);
    }, 180_000);

    it('1,020 late pings from 170 phones for a traced window: one pass per window, exactly the result of a full trace', async () => {
      const fixture = { windows: 2, people: 300 };
      // The simulated city runs fast (a day's moves in minutes of 10 s slots): its people are not held to a speed.
      const sys = await system('late', ['ingest'], { HC_MAX_SPEED_KMH: '1e12' });
      let merged: Awaited<ReturnType<typeof tracingResult>>;
      try {
        const loaded = await loadTracingFixture(sys.db, fixture);
        const late = loaded.windowIds[1];
        // The pings of people 1..170 in the last window come late (six reds among them: late sources too).
        // (Times as they are: Citus refuses a RETURNING that is not immutable, such as extract from a timestamptz.)
        const held = await sys.db.query<{ user_id: string; ts: Date; cell: string }>(
          `DELETE FROM pings WHERE user_id <= 170 AND ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp($2 / 1000.0)
         RETURNING user_id::text, ts, cell`,
          [windowStartMs(late, FAST_GRID), windowEndMs(late, FAST_GRID)],
        );
        expect(held.length).toBe(1_020);
        const batch = await sys.startApp('batch');
        await waitForWindowsDone(sys.db, loaded.windowIds, 60_000);
        await batch.stop();

        // The burst: every phone sends its pings at once while the window is traced.
        const tokenOf = userTokenSigner(sys);
        const byUser = new Map<string, { ts: number; geohash: string }[]>();
        for (const p of held)
          byUser.set(p.user_id, [...(byUser.get(p.user_id) ?? []), { ts: p.ts.getTime(), geohash: p.cell }]);
        const answers = await Promise.all(
          [...byUser].map(([userId, pings]) =>
            call('POST', `${sys.url('ingest')}/v1/pings`, { token: tokenOf(userId), body: { pings } }),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
        expect(answers.reduce((n, a) => n + a.body.late, 0)).toBe(1_020);

        await sys.startApp('batch');
        await eventually(
          () =>
            sys.db.query<{ n: number }>(
              `SELECT (SELECT count(*) FROM pending_late_pings) + (SELECT count(*) FROM windows WHERE late_pings) AS n`,
            ),
          (rows) => Number(rows[0].n) === 0,
          60_000,
          'the late-ping passes',
        );
        const windows = await sys.db.query<{ id: number; generation: number; passes: number; pings: number }>(
          `SELECT id::float8 AS id, generation, (stats ->> 'latePasses')::int AS passes, (stats ->> 'latePings')::int AS pings
         FROM windows WHERE stats ? 'latePasses' ORDER BY id`,
        );
        // One pass for the window (and one for each neighbour its edge pings reach), no full re-trace.
        expect(windows.find((w) => Number(w.id) === late)).toMatchObject({ generation: 1, passes: 1, pings: 1_020 });
        for (const w of windows) expect(w.passes).toBe(1);
        merged = await tracingResult(sys.db, loaded.windowIds);
      } finally {
        await sys.stop();
      }
      const reference = await traceFromScratch('late-ref', fixture, async () => undefined);
      expect(reference.requests.length).toBeGreaterThan(0);
      expect(merged).toEqual(reference);
    }, 180_000);
  },
);
