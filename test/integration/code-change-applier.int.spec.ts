import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CodeCache } from '#libs/cache/index.js';
import { CodeChangeApplier, CodeWriter } from '#libs/codes/index.js';
import { CodeChangeRepository, HealthCodeRepository, UserRepository, WindowRepository, type NewCodeChange } from '#libs/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

const DAY = 86_400_000;

/**
 * applyMany (set-based, used by tracing) against apply (one request per transaction, used by
 * admins): on twin databases they must leave identical codes, history, request states and cache.
 */
describe('CodeChangeApplier.applyMany', () => {
  const twins: { db: TestDatabase; ds: DataSource; applier: CodeChangeApplier; changes: CodeChangeRepository; cache: CodeCache }[] = [];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl());
    for (const label of ['apply_one', 'apply_many']) {
      const db = await createTestDatabase(label);
      const ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
      const cache = new CodeCache(redis, testKeyPrefix(label));
      const changes = new CodeChangeRepository(ds);
      twins.push({ db, ds, changes, cache, applier: new CodeChangeApplier(new CodeWriter(ds, new HealthCodeRepository(ds), cache), changes) });
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
      await t.db.query(`UPDATE health_codes SET color = 'yellow', expires_at = $1 WHERE user_id = 2`, [new Date(now + 3 * DAY)]);
      await t.db.query(`UPDATE health_codes SET color = 'red', infectious_from = $1 WHERE user_id = 3`, [new Date(now - DAY)]);
      await t.db.query(`UPDATE health_codes SET color = 'yellow', expires_at = $1 WHERE user_id = 4`, [new Date(now + 30 * DAY)]);
      const windows = new WindowRepository(t.ds);
      await windows.ensureWindows(100, 101, 3600);
      const request = (userId: string, days: number): NewCodeChange => ({ userId, fromColor: 'green', toColor: 'yellow', auto: true, reason: 'exposure', exposureSeconds: 900, expiresAtMs: now + days * DAY });
      await t.ds.transaction(async (tx) => {
        await t.changes.insertRequests(tx, 100, ['1', '2', '3', '4', '5'].map((u) => request(u, 14)));
        await t.changes.insertRequests(tx, 101, [request('1', 15)]);
      });
    }
    const [one, many] = twins;
    for (const c of [...(await one!.changes.findPendingAuto(100)), ...(await one!.changes.findPendingAuto(101))]) await one!.applier.apply(c.id, 'tracing');
    const pending = [...(await many!.changes.findPendingAuto(100)), ...(await many!.changes.findPendingAuto(101))];
    expect(await many!.applier.applyMany(pending, 'tracing')).toBe(5);
    expect(await many!.applier.applyMany(pending, 'tracing')).toBe(0); // already decided: nothing twice

    const state = async (t: (typeof twins)[number]) => ({
      codes: await t.db.query(`SELECT user_id::int, color, version::int, expires_at, infectious_from FROM health_codes ORDER BY 1`),
      history: await t.db.query(`SELECT user_id::int, from_color, to_color, actor, change_id::int, version::int, expires_at FROM code_history ORDER BY user_id, version`),
      changes: await t.db.query(`SELECT id::int, status, decided_by FROM code_changes ORDER BY id`),
      cache: await Promise.all(['1', '2', '3', '4', '5', '6'].map(async (u) => {
        const v = await t.cache.get(u);
        return v && { color: v.color, version: v.version, expiresAtMs: v.expiresAtMs };
      })),
    });
    const a = await state(one!);
    expect(await state(many!)).toEqual(a);
    expect(a.changes.map((c) => c.status)).toEqual(['applied', 'applied', 'superseded', 'applied', 'applied', 'applied']);
    expect(a.codes.map((c) => c.color)).toEqual(['yellow', 'yellow', 'red', 'yellow', 'yellow', 'green']);
  });
});
