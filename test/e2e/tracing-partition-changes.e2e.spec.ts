import pg from 'pg';
import { startSystem, tracingQueue } from '../support/system.js';
import { loadTracingFixture, waitForWindowsDone } from '../support/tracing-fixture.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Enough to keep creating through the traces (about 450 in their 5 s), few enough for the catalog. */
const MAX_PARTITIONS = 2_000;

/**
 * A trace reads pings in one transaction and waits for its other one, which reads pings too. A
 * partition change waiting for the first queued the second behind itself: a wait through the app
 * that Postgres cannot see, and every trace after it hung (migration 20261204000100). Day
 * partitions are created over and over here, as the maintenance and ingest create them, while
 * thirty windows are traced. The hang is a race (the creation must come between the two
 * transactions' first reads of pings): with CREATE TABLE ... PARTITION OF this test hung in one of
 * two runs, the creation waiting on a trace's idle transaction and the trace's other statement on
 * the creation. test/integration/partition-maintenance shows the lock itself every time.
 */
it('windows are traced while day partitions are being created', async () => {
  const sys = await startSystem('trace-ddl', [], { HC_TRACE_SHARDS: '1' });
  const queue = tracingQueue(sys);
  const ddl = new pg.Client({ connectionString: sys.db.url });
  let stop = false;
  let created = 0;
  let creating: Promise<unknown> = Promise.resolve();
  try {
    const fixture = await loadTracingFixture(sys.db, { windows: 30, people: 300 });
    await ddl.connect();
    creating = (async () => {
      for (let day = Date.UTC(2040, 0, 1); !stop && created < MAX_PARTITIONS; day += 86_400_000) {
        await ddl.query('SELECT hc_ensure_ping_partition($1::date)', [new Date(day).toISOString().slice(0, 10)]);
        created++;
      }
    })();
    creating.catch(() => undefined); // awaited below; a failure is not unhandled meanwhile
    await sys.startApp('batch');
    await waitForWindowsDone(sys.db, fixture.windowIds, 60_000, queue);
    stop = true;
    await creating;
    // Creations kept coming while the windows were traced.
    expect(created).toBeGreaterThan(30);
  } finally {
    stop = true;
    // A creation still waiting (the failure above) ends with its connection.
    await Promise.race([creating.catch(() => undefined), pause(2_000)]);
    await ddl.end().catch(() => undefined);
    await queue.close();
    await sys.stop();
  }
}, 120_000);
