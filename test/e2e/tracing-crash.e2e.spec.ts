import { JobName, traceWindowJobId } from '#libs/queue/index.js';
import { appsReport } from '../support/apps.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startSystem, tracingQueue, type TestSystem } from '../support/system.js';
import {
  expectNoDuplicateEffects,
  loadTracingFixture,
  tracingResult,
  waitForWindowsDone,
  type TracingFixture,
} from '../support/tracing-fixture.js';

const FIXTURE = { windows: 4, people: 300 };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loads the fixture into a fresh system (no app running yet). */
async function systemWithFixture(
  label: string,
  env: Record<string, string> = {},
): Promise<{ sys: TestSystem; fixture: TracingFixture }> {
  const sys = await startSystem(label, [], env);
  return { sys, fixture: await loadTracingFixture(sys.db, FIXTURE) };
}

/**
 * The exactly-once promises of the tracing engine (docs/domain.md, Reliability rules), against
 * real processes: a clean one-shard run is the reference; runs with many shards, crashes,
 * duplicate jobs and a wiped queue Redis must store exactly the same exposures and requests.
 */
describe('tracing: exactly once through crashes, duplicates and a lost queue', () => {
  let reference: Awaited<ReturnType<typeof tracingResult>>;
  /** The stored exposures and requests are the clean run's, and no effect is there twice. */
  const expectReference = async (sys: TestSystem, fixture: TracingFixture) => {
    expect(await tracingResult(sys.db, fixture.windowIds)).toEqual(reference);
    await expectNoDuplicateEffects(sys.db);
  };

  beforeAll(async () => {
    const { sys, fixture } = await systemWithFixture('trace-ref', { HC_TRACE_SHARDS: '1' });
    try {
      await sys.startApp('batch');
      await waitForWindowsDone(sys.db, fixture.windowIds, 60_000);
      reference = await tracingResult(sys.db, fixture.windowIds);
    } finally {
      await sys.stop();
    }
    // The fixture is busy enough to mean something: automatic and review requests in every window.
    expect(reference.requests.filter((r) => r.includes(' auto ')).length).toBeGreaterThan(10);
    expect(reference.requests.filter((r) => r.includes(' review ')).length).toBeGreaterThan(0);
    expect(new Set(reference.requests.map((r) => r.split(' ')[0])).size).toBe(FIXTURE.windows);
  }, 120_000);

  it('a batch worker killed with SIGKILL ten times while tracing: every window done once, same result', async () => {
    const { sys, fixture } = await systemWithFixture('trace-crash', { HC_TRACE_SHARDS: '8', HC_JOB_LOCK_SECONDS: '2' });
    const kills: number[] = [];
    const queue = tracingQueue(sys);
    try {
      for (let i = 0; i < 10; i++) {
        const batch = await sys.startApp('batch');
        // Keep work coming: whenever every window is done (a worker may finish one while
        // starting, or just before this loop looks), one is rerun (a rerun must change nothing).
        // Checked with the wait itself, so the last window finishing in between cannot leave it waiting.
        const windowId = fixture.windowIds[i % fixture.windowIds.length];
        for (const deadline = Date.now() + 60_000; ; await pause(10)) {
          const [rerun] = await sys.db.query<{ generation: number }>(
            `UPDATE windows SET status = 'closing', generation = generation + 1
             WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM windows WHERE id = ANY($2) AND status <> 'done')
             RETURNING generation`,
            [windowId, fixture.windowIds],
          );
          if (rerun)
            await queue.add(
              JobName.TraceWindow,
              { windowId, generation: rerun.generation },
              { jobId: traceWindowJobId(windowId, rerun.generation) },
            );
          const processing = await sys.db.query('SELECT 1 FROM windows WHERE id = ANY($1) AND status = $2', [
            fixture.windowIds,
            'processing',
          ]);
          if (processing.length) break;
          if (Date.now() > deadline)
            throw new Error(
              `no window processing: ${JSON.stringify(await sys.db.query('SELECT id, status FROM windows WHERE id = ANY($1)', [fixture.windowIds]))}`,
            );
        }
        const delay = Math.floor(Math.random() * 400);
        kills.push(delay);
        await pause(delay);
        batch.process.kill('SIGKILL');
        await new Promise((r) => batch.process.once('exit', r));
      }
      await sys.startApp('batch');
      await waitForWindowsDone(sys.db, fixture.windowIds, 90_000, queue);
      await expectReference(sys, fixture);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n(kills ${kills.join(', ')} ms after a window was processing)`, {
        cause: err,
      });
    } finally {
      await queue.close();
      await sys.stop();
    }
  }, 240_000);

  it('one window enqueued five times at once, with two workers: one result', async () => {
    const { sys, fixture } = await systemWithFixture('trace-dup', { HC_TRACE_SHARDS: '4', LOG_LEVEL: 'info' });
    const queue = tracingQueue(sys);
    try {
      const windowId = fixture.windowIds[0];
      await sys.db.query(`UPDATE windows SET status = 'closing', generation = 1 WHERE id = $1`, [windowId]);
      const batches = await Promise.all([sys.startApp('batch'), sys.startApp('batch')]);
      await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          queue.add(JobName.TraceWindow, { windowId, generation: 1 }, { jobId: `duplicate-${windowId}-${i}` }),
        ),
      );
      await waitForWindowsDone(sys.db, fixture.windowIds, 90_000, queue).catch((err: Error) => {
        throw new Error(`${err.message}\n${appsReport(batches)}`);
      });
      await expectReference(sys, fixture);
      // The duplicates end as completed (each hands over to the job under the deterministic id), none failed.
      for (let i = 0; i < 5; i++) {
        const state = async () => queue.getJobState(`duplicate-${windowId}-${i}`);
        for (const deadline = Date.now() + 30_000; (await state()) !== 'completed' && Date.now() < deadline;)
          await pause(100);
        const job = await queue.getJob(`duplicate-${windowId}-${i}`);
        expect({ state: await state(), failedReason: job?.failedReason }).toEqual({
          state: 'completed',
          failedReason: undefined,
        });
      }
    } finally {
      await queue.close();
      await sys.stop();
    }
  }, 180_000);

  it.each([
    { shards: '1', evidence: 'matched in the window job' },
    { shards: '4', evidence: 'merged from the shards' },
  ])(
    'the exposures and the requests transactions each fail once ($evidence): the retries give the same result',
    async ({ shards }) => {
      const { sys, fixture } = await systemWithFixture(`trace-fail-${shards}`, { HC_TRACE_SHARDS: shards });
      // A trigger refuses the first statement writing exposures and the second writing requests:
      // sequences are not rolled back with the failed transaction, so each fails exactly once, while
      // the other transaction of the same combine may commit (the retry must write the same rows).
      await sys.db.query(`
      CREATE SEQUENCE test_fail_exposures; CREATE SEQUENCE test_fail_requests;
      CREATE FUNCTION test_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF nextval(TG_ARGV[0]::regclass) = TG_ARGV[1]::int THEN RAISE EXCEPTION 'injected failure on %', TG_TABLE_NAME; END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER test_fail_exposures BEFORE INSERT ON exposures FOR EACH STATEMENT EXECUTE FUNCTION test_fail_once('test_fail_exposures', '1');
      CREATE TRIGGER test_fail_requests BEFORE INSERT ON code_changes FOR EACH STATEMENT EXECUTE FUNCTION test_fail_once('test_fail_requests', '2');`);
      try {
        await sys.startApp('batch');
        await waitForWindowsDone(sys.db, fixture.windowIds, 90_000);
        const [used] = await sys.db.query<{ exposures: string; requests: string }>(
          'SELECT (SELECT last_value FROM test_fail_exposures) AS exposures, (SELECT last_value FROM test_fail_requests) AS requests',
        );
        expect(Number(used.exposures)).toBeGreaterThan(1);
        expect(Number(used.requests)).toBeGreaterThan(2);
        await expectReference(sys, fixture);
      } finally {
        await sys.stop();
      }
    },
    180_000,
  );

  it('Postgres gone back (a restore) while Redis kept the finished jobs: the windows untraced again are traced again', async () => {
    const { sys, fixture } = await systemWithFixture('trace-restore', { HC_TRACE_SHARDS: '1' });
    try {
      await sys.startApp('batch');
      await waitForWindowsDone(sys.db, fixture.windowIds, 60_000);
      // As a restore from before the trace leaves them: same generation, not traced, nothing stored.
      await sys.db.query(`DELETE FROM exposures WHERE window_id = ANY($1)`, [fixture.windowIds]);
      await sys.db.query(`UPDATE windows SET status = 'closing', stats = '{}', traced_at = NULL WHERE id = ANY($1)`, [
        fixture.windowIds,
      ]);
      await waitForWindowsDone(sys.db, fixture.windowIds, 60_000);
      await expectReference(sys, fixture);
    } finally {
      await sys.stop();
    }
  }, 180_000);

  it('FLUSHALL on the queue Redis mid-run: the reconciler restores the schedule and every window is traced', async () => {
    const redis = await TestRedisServer.start();
    const { sys, fixture } = await systemWithFixture('trace-flush', { REDIS_URL: redis.url, HC_TRACE_SHARDS: '8' });
    try {
      await sys.startApp('batch');
      // Wipe the queues as soon as the first window is traced (the others are queued or running).
      for (;;) {
        const [row] = await sys.db.query<{ done: number }>(
          `SELECT count(*) FILTER (WHERE status = 'done')::int AS done FROM windows WHERE id = ANY($1)`,
          [fixture.windowIds],
        );
        if (row.done > 0) break;
        await pause(20);
      }
      await redis.flushAll();
      await waitForWindowsDone(sys.db, fixture.windowIds, 90_000);
      await expectReference(sys, fixture);
    } finally {
      await sys.stop();
      await redis.stop();
    }
  }, 180_000);
});
