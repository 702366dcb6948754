import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import {
  APP_DB_CONNECTION_OPTIONS,
  ReviewQueueRepository,
  type CodeChangeFilter,
  type QueueOrder,
} from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const PENDING = 100_000;
const DECIDED = 100_000;
const FIRST_WINDOW = 500_000;
const WINDOWS = 168; // a week of hour windows
const RUNS = 7;
/** The geohash alphabet, for cells spread over 32 x 32 areas below one prefix. */
const B32 = '0123456789bcdefghjkmnpqrstuvwxyz';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * How long the review queue takes to answer with 100,000 pending requests (and as many decided
 * ones), as the list route runs it: a page and the total, in parallel, from the repository. Not
 * a timed assertion: it reports the figures (docs/benchmarks.md, admin queue) and checks only
 * that the answers are right and that the plans read an index, not the table.
 */
describe('the review queue at 100,000 pending requests', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let queue: ReviewQueueRepository;
  const figures: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('queue_scale');
    // Requests and their evidence as tracing leaves them: each person's exposure in one of a
    // week's windows, to one of a thousand sources, in cells spread below the prefix wx4g.
    await db.query(
      `INSERT INTO code_changes (user_id, window_id, from_color, to_color, status, auto, reason, exposure_seconds,
                                 expires_at, created_at, decided_at, decided_by)
       SELECT 1000000 + g, $1::bigint + g % $2::int, 'green', 'yellow',
              CASE WHEN g <= $3::int THEN 'pending' ELSE 'applied' END, g > $3::int, 'exposure',
              300 + (g * 7919) % 1200, now() + interval '14 days', now() - make_interval(secs => ($3::int + $4::int - g)),
              CASE WHEN g > $3::int THEN now() END, CASE WHEN g > $3::int THEN 'tracing' END
       FROM generate_series(1, $3::int + $4::int) g`,
      [FIRST_WINDOW, WINDOWS, PENDING, DECIDED],
    );
    await db.query(
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells)
       SELECT $1::bigint + g % $2::int, 1000000 + g, 1 + g % 1000, 300, '{1}',
              ARRAY['wx4g' || substr($3::text, 1 + g % 32, 1) || substr($3::text, 1 + (g / 32) % 32, 1) || '00']
       FROM generate_series(1, $4::int) g`,
      [FIRST_WINDOW, WINDOWS, B32, PENDING + DECIDED],
    );
    await db.query('ANALYZE code_changes');
    await db.query('ANALYZE exposures');
    ds = await new DataSource({
      type: 'postgres',
      url: db.url,
      extra: { options: APP_DB_CONNECTION_OPTIONS },
    }).initialize();
    queue = new ReviewQueueRepository(ds);
  }, 300_000);

  afterAll(async () => {
    console.log(
      `review queue, ${PENDING} pending + ${DECIDED} applied requests (median of ${RUNS}):\n${figures.join('\n')}`,
    );
    await ds?.destroy();
    await db?.drop();
  });

  /** The list route's work, timed: the page and the total, in parallel. */
  async function measure(name: string, f: CodeChangeFilter, order: QueueOrder, page = 1, pageSize = 50) {
    let answer: { ids: string[]; total: number } = { ids: [], total: 0 };
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const [rows, total] = await Promise.all([queue.page(f, order, pageSize, (page - 1) * pageSize), queue.count(f)]);
      times.push(performance.now() - start);
      answer = { ids: rows.map((r) => r.id), total };
    }
    figures.push(`  ${name.padEnd(44)} ${median(times).toFixed(1).padStart(7)} ms  (total ${answer.total})`);
    return answer;
  }

  const age: QueueOrder = { sort: 'age', desc: false };
  const pending: CodeChangeFilter = { status: 'pending' };

  it('answers the default view (pending, oldest first, first page) and the last page', async () => {
    const first = await measure('pending, oldest first, page 1', pending, age);
    expect(first.total).toBe(PENDING);
    expect(first.ids).toHaveLength(50);
    const last = await measure('pending, oldest first, page 2000', pending, age, 2_000);
    expect(last.ids).toHaveLength(50);
    expect(Number(last.ids[0])).toBeGreaterThan(Number(first.ids[49]));
  }, 120_000);

  it.each([
    ['pending, by exposure, longest first', pending, { sort: 'exposure', desc: true }],
    ['pending, by window, newest first', pending, { sort: 'window', desc: true }],
    ['pending, exposure 600-900 s', { ...pending, exposureMin: 600, exposureMax: 900 }, age],
    ['pending, one day of windows', { ...pending, fromWindow: FIRST_WINDOW + 24, toWindow: FIRST_WINDOW + 48 }, age],
    ['pending, area wx4g0 (1/32 of them)', { ...pending, area: 'wx4g0' }, age],
    ['pending, area wx4g0 by exposure', { ...pending, area: 'wx4g0' }, { sort: 'exposure', desc: true }],
    ['pending, one source', { ...pending, sourceId: '7' }, age],
    ['pending, review only', { ...pending, auto: false }, age],
    ['every status, oldest first', {}, age],
  ] as [string, CodeChangeFilter, QueueOrder][])(
    'answers %s',
    async (name, filter, order) => {
      const { ids, total } = await measure(name, filter, order);
      expect(total).toBeGreaterThan(0);
      expect(ids.length).toBe(Math.min(50, total));
    },
    120_000,
  );

  it('reads the pending sorts from their indexes, not the whole table', async () => {
    const plan = async (orderBy: string) =>
      JSON.stringify(
        await db.query(
          `EXPLAIN (FORMAT JSON) SELECT id FROM code_changes c WHERE c.status = 'pending' ORDER BY ${orderBy} LIMIT 50`,
        ),
      );
    expect(await plan('c.exposure_seconds DESC, c.id DESC')).toContain('code_changes_pending_exposure');
    expect(await plan('c.window_id, c.id')).toContain('code_changes_pending_window');
  });

  it('claims a batch and streams the whole pending list as an export would', async () => {
    const start = performance.now();
    const claimed = await queue.claim('rita', 900, 50, pending);
    figures.push(
      `  ${'claim 50 (oldest unclaimed pending)'.padEnd(44)} ${(performance.now() - start).toFixed(1).padStart(7)} ms`,
    );
    expect(claimed).toHaveLength(50);
    const t0 = performance.now();
    let rows = 0;
    for await (const batch of queue.stream(pending, age)) rows += batch.length;
    figures.push(
      `  ${'export: read all 100,000 pending rows'.padEnd(44)} ${(performance.now() - t0).toFixed(1).padStart(7)} ms`,
    );
    expect(rows).toBe(PENDING);
  }, 120_000);
});
