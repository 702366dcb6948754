import { DataSource } from 'typeorm';
import { CodeChangeRepository, UserRepository, WindowRepository, type NewCodeChange } from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const DAY = 86_400_000;

/**
 * A window's full trace stores its requests by a plain INSERT in a savepoint (storeNewRequests),
 * and by insertRequests' upsert only when some existed (the INSERT undone): against twin
 * databases, one always upserting, it must store and answer the same, first pass and rerun alike.
 */
describe('CodeChangeRepository.storeNewRequests against insertRequests', () => {
  const twins: { db: TestDatabase; ds: DataSource; changes: CodeChangeRepository }[] = [];

  beforeAll(async () => {
    for (const label of ['requests_upsert', 'requests_new']) {
      const db = await createTestDatabase(label);
      const ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
      const users = new UserRepository(ds);
      for (let i = 0; i < 4; i++) await users.registerUser();
      await new WindowRepository(ds).ensureWindows(100, 100, 3600);
      twins.push({ db, ds, changes: new CodeChangeRepository(ds) });
    }
  });

  afterAll(async () => {
    for (const t of twins) {
      await t.ds.destroy();
      await t.db.drop();
    }
  });

  it('first pass, then a rerun with more evidence: the same rows and answers as the upsert', async () => {
    const now = Date.now();
    const request = (userId: string, auto: boolean, seconds: number): NewCodeChange => ({
      userId,
      fromColor: 'green',
      toColor: 'yellow',
      auto,
      reason: 'exposure',
      exposureSeconds: seconds,
      expiresAtMs: now + 14 * DAY + seconds * 1000,
    });
    const first = [request('1', true, 900), request('2', false, 300), request('3', false, 600)];
    const rerun = [
      request('1', true, 1200),
      request('2', true, 900),
      request('3', false, 600),
      request('4', false, 300),
    ];
    const answers = [];
    const fellBack: boolean[] = [];
    for (const [t, likelyNew] of [
      [twins[0], false],
      [twins[1], true],
    ] as const) {
      const passes = [];
      for (const rows of [first, rerun]) {
        const pass = await t.ds.transaction((tx) =>
          likelyNew
            ? t.changes.storeNewRequests(tx, 100, rows, 'tracing')
            : t.changes.insertRequests(tx, 100, rows, 'tracing'),
        );
        if (likelyNew) fellBack.push(pass.created < rows.length);
        passes.push(pass);
      }
      answers.push(
        passes.map((p) => ({
          created: p.created,
          applied: p.applied.map((a) => a.userId),
          extended: p.extended.map((e) => e.userId),
        })),
      );
    }
    expect(fellBack).toEqual([false, true]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toEqual([
      { created: 3, applied: ['1'], extended: [] },
      { created: 1, applied: [], extended: ['1'] },
    ]);
    const rows = (t: (typeof twins)[number]) =>
      t.db.query(
        `SELECT user_id::int, status, auto, exposure_seconds, expires_at, decided_by FROM code_changes ORDER BY user_id`,
      );
    expect(await rows(twins[1])).toEqual(await rows(twins[0]));
    expect((await rows(twins[0])).map((r) => [r.status, r.auto, r.exposure_seconds])).toEqual([
      ['applied', true, 1200],
      ['pending', true, 900],
      ['pending', false, 600],
      ['pending', false, 300],
    ]);
  });
});
