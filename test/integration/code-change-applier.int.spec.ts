import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CodeCache } from '#libs/cache/index.js';
import { CodeChangeApplier, CodeWriter } from '#libs/codes/index.js';
import {
  CodeChangeRepository,
  HealthCodeRepository,
  UserRepository,
  WindowRepository,
  type NewCodeChange,
} from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

const DAY = 86_400_000;

/**
 * applyMany (set-based), requests stored applied then written by applyClaimed, and requests
 * stored with their codes in one statement decided on codes read before (insertApplied: a
 * window's full trace) against apply (one request per transaction, used by admins): on twin
 * databases they must leave identical codes, history, request states and cache.
 */
describe('CodeChangeApplier.applyMany', () => {
  const twins: {
    db: TestDatabase;
    ds: DataSource;
    applier: CodeChangeApplier;
    changes: CodeChangeRepository;
    cache: CodeCache;
    writer: CodeWriter;
  }[] = [];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl());
    for (const label of ['apply_one', 'apply_many', 'apply_stored', 'apply_known']) {
      const db = await createTestDatabase(label);
      const ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
      const cache = new CodeCache(redis, testKeyPrefix(label));
      const changes = new CodeChangeRepository(ds);
      const writer = new CodeWriter(ds, new HealthCodeRepository(ds), cache);
      twins.push({ db, ds, changes, cache, writer, applier: new CodeChangeApplier(writer, changes) });
    }
  });

  afterAll(async () => {
    for (const t of twins) {
      await t.ds.destroy();
      await t.db.drop();
    }
    await redis.quit();
  });

  it('gives the same result as applying one by one: raised, extended, superseded (red), and a second request of one person', async () => {
    const now = Date.now();
    for (const t of twins) {
      const users = new UserRepository(t.ds);
      for (let i = 0; i < 6; i++) await users.registerUser();
      // Person 2 already yellow (extended), 3 red (superseded), 4 yellow until later than the request (kept).
      await t.db.query(`UPDATE health_codes SET color = 'yellow', expires_at = $1 WHERE user_id = 2`, [
        new Date(now + 3 * DAY),
      ]);
      await t.db.query(`UPDATE health_codes SET color = 'red', infectious_from = $1 WHERE user_id = 3`, [
        new Date(now - DAY),
      ]);
      await t.db.query(`UPDATE health_codes SET color = 'yellow', expires_at = $1 WHERE user_id = 4`, [
        new Date(now + 30 * DAY),
      ]);
      const windows = new WindowRepository(t.ds);
      await windows.ensureWindows(100, 101, 3600);
      const request = (userId: string, days: number): NewCodeChange => ({
        userId,
        fromColor: 'green',
        toColor: 'yellow',
        auto: true,
        reason: 'exposure',
        exposureSeconds: 900,
        expiresAtMs: now + days * DAY,
      });
      if (t === twins[2]) {
        // As tracing does: each window's requests stored with the automatic ones applied, and their codes, in one transaction.
        for (const [windowId, rows] of [
          [100, ['1', '2', '3', '4', '5'].map((u) => request(u, 14))],
          [101, [request('1', 15)]],
        ] as const) {
          await t.writer.transact(async (c) => {
            const stored = await t.changes.insertRequests(c.tx, windowId, [...rows], 'tracing');
            const planned = new Map(rows.map((r) => [r.userId, r]));
            expect(stored.created).toBe(rows.length);
            await t.applier.applyClaimed(
              c,
              stored.applied.map(({ id, userId }) => ({ ...planned.get(userId)!, id })),
              'tracing',
            );
          });
        }
        continue;
      }
      if (t === twins[3]) {
        // As a window's full trace does: the codes read first, then requests and codes in one statement.
        for (const [windowId, rows] of [
          [100, ['1', '2', '3', '4', '5'].map((u) => request(u, 14))],
          [101, [request('1', 15)]],
        ] as const) {
          const known = await new HealthCodeRepository(t.ds).findCodes(rows.map((r) => r.userId));
          const stored = await t.writer.transact((c) =>
            t.applier.insertApplied(c, windowId, [...rows], 'tracing', known),
          );
          expect(stored?.created).toBe(rows.length);
        }
        continue;
      }
      await t.ds.transaction(async (tx) => {
        await t.changes.insertRequests(
          tx,
          100,
          ['1', '2', '3', '4', '5'].map((u) => request(u, 14)),
        );
        await t.changes.insertRequests(tx, 101, [request('1', 15)]);
      });
    }
    const [one, many, stored, known] = twins;
    const pendingAuto = (t: (typeof twins)[number]) =>
      Promise.all([100, 101].map((w) => t.changes.findPendingAuto(t.ds, w))).then((l) => l.flat());
    for (const c of await pendingAuto(one)) await one.applier.apply(c.id, 'tracing');
    const pending = await pendingAuto(many);
    expect(await many.applier.applyMany(pending, 'tracing')).toBe(5);
    expect(await many.applier.applyMany(pending, 'tracing')).toBe(0); // already decided: nothing twice
    expect(await pendingAuto(stored)).toEqual([]);
    expect(await pendingAuto(known)).toEqual([]);

    const state = async (t: (typeof twins)[number]) => ({
      codes: await t.db.query(
        `SELECT user_id::int, color, version::int, expires_at, infectious_from FROM health_codes ORDER BY 1`,
      ),
      history: await t.db.query(
        `SELECT user_id::int, from_color, to_color, actor, change_id::int, version::int, expires_at FROM code_history ORDER BY user_id, version`,
      ),
      changes: await t.db.query(`SELECT id::int, status, decided_by FROM code_changes ORDER BY id`),
      cache: await Promise.all(
        ['1', '2', '3', '4', '5', '6'].map(async (u) => {
          const v = await t.cache.get(u);
          return v && { color: v.color, version: v.version, expiresAtMs: v.expiresAtMs };
        }),
      ),
    });
    const a = await state(one);
    expect(await state(many)).toEqual(a);
    expect(await state(stored)).toEqual(a);
    expect(await state(known)).toEqual(a);
    expect(a.changes.map((c) => c.status)).toEqual([
      'applied',
      'applied',
      'superseded',
      'applied',
      'applied',
      'applied',
    ]);
    expect(a.codes.map((c) => c.color)).toEqual(['yellow', 'yellow', 'red', 'yellow', 'yellow', 'green']);
  });

  it('insertApplied on codes that changed since they were read: those are decided again under the lock; a rerun writes nothing', async () => {
    const t = twins[3];
    const now = Date.now();
    const users = new UserRepository(t.ds);
    const ids = [
      (await users.registerUser()).userId,
      (await users.registerUser()).userId,
      (await users.registerUser()).userId,
    ];
    const [fresh, turnedRed, turnedYellow] = ids as [string, string, string];
    const known = await new HealthCodeRepository(t.ds).findCodes(ids);
    // After the read, before the write: one person found positive, one quarantined for longer.
    await t.db.query(
      `UPDATE health_codes SET color = 'red', infectious_from = $2, version = version + 1 WHERE user_id = $1`,
      [turnedRed, new Date(now - DAY)],
    );
    await t.db.query(
      `UPDATE health_codes SET color = 'yellow', expires_at = $2, version = version + 1 WHERE user_id = $1`,
      [turnedYellow, new Date(now + 30 * DAY)],
    );
    const rows: NewCodeChange[] = ids.map((userId) => ({
      userId,
      fromColor: 'green',
      toColor: 'yellow',
      auto: true,
      reason: 'exposure',
      exposureSeconds: 900,
      expiresAtMs: now + 14 * DAY,
    }));
    const state = async () => ({
      codes: await t.db.query<{ id: string; color: string; version: number; expires_at: Date }>(
        `SELECT user_id::text AS id, color, version::int, expires_at FROM health_codes WHERE user_id = ANY($1) ORDER BY user_id`,
        [ids],
      ),
      history: await t.db.query<{ id: string; change_id: string | null }>(
        `SELECT user_id::text AS id, to_color, change_id::text, version::int FROM code_history WHERE user_id = ANY($1) ORDER BY user_id, version`,
        [ids],
      ),
      changes: await t.db.query<{ id: string; userId: string; status: string }>(
        `SELECT id::text, user_id::text AS "userId", status FROM code_changes WHERE window_id = 102 ORDER BY user_id`,
      ),
    });
    await new WindowRepository(t.ds).ensureWindows(102, 102, 3600);
    expect(await t.writer.transact((c) => t.applier.insertApplied(c, 102, rows, 'tracing', known))).toEqual({
      created: 3,
      applied: 2,
      extended: [],
    });
    const after = await state();
    expect(after.changes.map((c) => c.status)).toEqual(['applied', 'superseded', 'applied']);
    expect(after.codes.map((c) => [c.color, c.version])).toEqual([
      ['yellow', 2],
      ['red', 2],
      ['yellow', 3],
    ]);
    expect(after.codes[2].expires_at).toEqual(new Date(now + 30 * DAY)); // the longer quarantine kept
    // Each written code's history row names its request.
    const requestOf = new Map(after.changes.map((c) => [c.userId, c.id]));
    expect(after.history.filter((h) => h.change_id).map((h) => [h.id, h.change_id])).toEqual([
      [fresh, requestOf.get(fresh)],
      [turnedYellow, requestOf.get(turnedYellow)],
    ]);
    expect((await t.cache.get(fresh))?.version).toBe(2);
    // The same window again (a duplicate job): the requests exist, so nothing is written (the upsert finds nothing to refresh).
    const codesNow = await new HealthCodeRepository(t.ds).findCodes(ids);
    expect(await t.writer.transact((c) => t.applier.insertApplied(c, 102, rows, 'tracing', codesNow))).toEqual({
      created: 0,
      applied: 0,
      extended: [],
    });
    expect(await state()).toEqual(after);
  });

  it('changeMany holds the cache of the codes it writes before it returns (so before the commit), and the commit writes them through', async () => {
    const t = twins[0];
    const versions = async () =>
      t.db.query<{ id: string; version: number }>(
        'SELECT user_id::text AS id, version::int FROM health_codes WHERE user_id IN (5, 6) ORDER BY user_id',
      );
    await t.cache.putMany(
      (await versions()).map((r) => ({
        userId: r.id,
        color: 'green' as const,
        reason: 'registered',
        version: r.version,
        tokenVersion: 0,
        updatedAtMs: Date.now(),
        expiresAtMs: null,
      })),
    );
    expect((await Promise.all(['5', '6'].map((u) => t.cache.get(u)))).every(Boolean)).toBe(true);
    let before: unknown[] = [];
    await t.writer.transact(async (c) => {
      await c.changeMany(
        [
          { userId: '5', changeId: null },
          { userId: '6', changeId: null },
        ],
        'test',
        () => ({ color: 'yellow', reason: 'exposure', expiresAtMs: Date.now() + DAY, infectiousFromMs: null }),
      );
      // Seen by a reader outside the transaction: a held key is a miss, so the reader asks Postgres.
      before = await Promise.all(['5', '6'].map((u) => t.cache.get(u)));
    });
    expect(before).toEqual([null, null]);
    expect(
      (await Promise.all(['5', '6'].map((u) => t.cache.get(u)))).map(
        (v) => v && { color: v.color, version: v.version },
      ),
    ).toEqual((await versions()).map((r) => ({ color: 'yellow', version: r.version })));
  });
});
