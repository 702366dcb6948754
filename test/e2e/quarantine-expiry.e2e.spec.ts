import { Redis } from 'ioredis';
import { encodeCell } from '#libs/geo/index.js';
import { lastClosedWindowId, windowEndMs, windowStartMs } from '#libs/domain/index.js';
import { call } from '../support/http.js';
import { startSystem } from '../support/system.js';
import { FAST_GRID } from '../support/tracing-fixture.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Expiry against the real batch app: a contact exposed in two windows is yellow until
 * HC_QUARANTINE_SECONDS after the later exposure (the second one extends the quarantine, it
 * does not start another), and the sweep turns it green then, never before, in Postgres (a
 * history row by `system`) and in the cache.
 */
describe('quarantine expiry', () => {
  it('yellow ends HC_QUARANTINE_SECONDS after the latest exposure: extended by the second, green at its end and not earlier', async () => {
    const w1 = lastClosedWindowId(Date.now(), FAST_GRID) - 1;
    const w2 = w1 + 1;
    // Exposures: all of w1 (ends at w1's end) and w2's first three slots (end 30 s into w2).
    const firstEnd = windowEndMs(w1, FAST_GRID);
    const latestEnd = windowStartMs(w2, FAST_GRID) + 30_000;
    const sys = await startSystem('expiry', []);
    const redis = new Redis(sys.env.REDIS_URL);
    try {
      await sys.db.query(`INSERT INTO users (created_at) SELECT now() FROM generate_series(1, 2)`);
      await sys.db.query(
        `INSERT INTO health_codes (user_id, color, reason, version, updated_at, infectious_from)
         VALUES (1, 'red', 'test', 1, now(), now() - interval '1 day'), (2, 'green', 'test', 1, now(), NULL)`,
      );
      const cell = encodeCell(52.5, 13.4, 8);
      const times = [
        ...Array.from({ length: 6 }, (_, i) => windowStartMs(w1, FAST_GRID) + i * 10_000 + 5_000),
        ...Array.from({ length: 3 }, (_, i) => windowStartMs(w2, FAST_GRID) + i * 10_000 + 5_000),
      ];
      for (const day of new Set(times.map((t) => new Date(t).toISOString().slice(0, 10))))
        await sys.db.query('SELECT hc_ensure_ping_partition($1::date)', [day]);
      await sys.db.query(
        `INSERT INTO pings (user_id, ts, cell) SELECT u, to_timestamp(t / 1000.0), $2 FROM unnest($1::float8[]) t, (VALUES (1), (2)) AS p(u)`,
        [times, cell],
      );
      await sys.db.query(
        `INSERT INTO windows (id, starts_at, ends_at) SELECT id, to_timestamp(id * 60), to_timestamp((id + 1) * 60) FROM unnest($1::bigint[]) id`,
        [[w1, w2]],
      );
      // The first quarantine would end 40 s after the batch app starts, the extended one 30 s later.
      // Timed from here, not from the test's start: a set-up or a start slowed by a busy machine
      // must not end the first quarantine before the batch app has traced w2 (that would be a
      // second quarantine). Both windows are traced about 5 s after this point on a quiet machine.
      const quarantineSeconds = Math.ceil((Date.now() + 40_000 - firstEnd) / 1000);
      const expectedEnd = latestEnd + quarantineSeconds * 1000;
      await sys.startApp('batch', { HC_QUARANTINE_SECONDS: String(quarantineSeconds) });

      // Watch the contact's code in Postgres until it is green; it must be yellow until the end.
      let seenYellowAfterFirstEnd = false;
      // The sweep runs every 10 s: a quarantine that ended at the first end would be green by then.
      const firstQuarantineSurely = firstEnd + quarantineSeconds * 1000 + 12_000;
      let code: { color: string; expires_at: Date | null } | undefined;
      for (const deadline = Date.now() + 120_000; ; await pause(200)) {
        const checkedAt = Date.now();
        [code] = await sys.db.query<{ color: string; expires_at: Date | null }>(
          'SELECT color, expires_at FROM health_codes WHERE user_id = 2',
        );
        if (code.color === 'green' && code.expires_at === null && checkedAt > windowEndMs(w2, FAST_GRID)) {
          const [history] = await sys.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM code_history WHERE user_id = 2`,
          );
          if (history.n > 0) break;
        }
        if (code.color === 'yellow') {
          expect(code.expires_at!.getTime()).toBeLessThanOrEqual(expectedEnd);
          if (checkedAt > firstQuarantineSurely) seenYellowAfterFirstEnd = true;
        }
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(code)}`);
      }
      const history = await sys.db.query<{
        from_color: string;
        to_color: string;
        actor: string;
        reason: string;
        at: Date;
        expires_at: Date | null;
      }>('SELECT from_color, to_color, actor, reason, at, expires_at FROM code_history WHERE user_id = 2 ORDER BY id');
      // One quarantine: green -> yellow, extended (yellow -> yellow, later expiry), then green by the sweep.
      // (Checked before the watch's verdict: on a failure, the history says what happened.)
      expect(history.map((h) => `${h.from_color}->${h.to_color} ${h.actor}`)).toEqual([
        'green->yellow tracing',
        'yellow->yellow tracing',
        'yellow->green system',
      ]);
      expect(seenYellowAfterFirstEnd).toBe(true);
      expect(Math.max(...history.slice(0, 2).map((h) => h.expires_at!.getTime()))).toBe(expectedEnd);
      const ended = history[2];
      expect(ended.reason).toBe('quarantine ended');
      expect(ended.at.getTime()).toBeGreaterThanOrEqual(expectedEnd);
      // The cache says green too (the versioned write-through of the sweep's change).
      const cached = await redis.get(`${sys.env.HC_KEY_PREFIX}:code:2`);
      expect(cached?.split('|')[1]).toBe('g');

      // Freshness: a window left failed five windows back lags tracing; readiness warns but stays 200.
      await sys.db.query(
        `INSERT INTO windows (id, starts_at, ends_at, status) VALUES ($1::bigint, to_timestamp($1::bigint * 60), to_timestamp(($1::bigint + 1) * 60), 'failed')`,
        [w1 - 5],
      );
      const ready = await call('GET', `${sys.url('batch')}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.info.tracing).toMatchObject({
        status: 'up',
        tracedUntil: new Date(windowStartMs(w1 - 5, FAST_GRID)).toISOString(),
      });
      expect(ready.body.info.tracing.warning).toMatch(/^tracing is \d+ windows behind$/);
      const metrics = await call('GET', `${sys.metricsUrl('batch')}/metrics`);
      expect(metrics.body).toMatch(/^hc_tracing_lag_windows\{[^}]*\} ([6-9]|\d\d+)$/m);
    } finally {
      redis.disconnect();
      await sys.stop();
    }
  }, 180_000);
});
