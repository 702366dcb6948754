import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { userTokenSigner } from '#libs/auth/index.js';
import { CodeCache, encodeCodeView, type CodeView } from '#libs/cache/index.js';
import type { Color } from '#libs/domain/index.js';

/** Percentages of each colour; they add up to 100. */
export type ColorMix = Record<Color, number>;

const BATCH = 20_000;

/**
 * Replaces everyone in the bench database with `count` people (ids 1..count) and their codes,
 * in two set-based statements. Colours are spread over the ids (bucket = id * 37 mod 100), so
 * any random sample of people has the same mix. No history rows: the read path never reads them.
 */
export async function seedPeople(databaseUrl: string, count: number, mix: ColorMix): Promise<void> {
  if (mix.green + mix.yellow + mix.red !== 100) throw new Error('the colour mix must add up to 100');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('TRUNCATE users RESTART IDENTITY CASCADE');
    await client.query('INSERT INTO users (created_at) SELECT now() FROM generate_series(1, $1::int)', [count]);
    await client.query(
      `INSERT INTO health_codes (user_id, color, reason, version, updated_at, expires_at, infectious_from)
       SELECT id, color,
              CASE color WHEN 'green' THEN 'registered' WHEN 'yellow' THEN 'exposure' ELSE 'positive test' END,
              CASE color WHEN 'green' THEN 1 ELSE 2 END,
              now(),
              CASE WHEN color = 'yellow' THEN now() + interval '7 days' END,
              CASE WHEN color = 'red' THEN now() - interval '2 days' END
       FROM (SELECT id, CASE WHEN (id * 37) % 100 < $1 THEN 'green'
                             WHEN (id * 37) % 100 < $2 THEN 'yellow'
                             ELSE 'red' END AS color
             FROM users) AS u`,
      [mix.green, mix.green + mix.yellow],
    );
    await client.query('ANALYZE users, health_codes');
  } finally {
    await client.end();
  }
}

/** The expected colour of person `id` under seedPeople's spread (for checking answers). */
export function seededColor(id: number, mix: ColorMix): Color {
  const bucket = (id * 37) % 100;
  if (bucket < mix.green) return 'green';
  return bucket < mix.green + mix.yellow ? 'yellow' : 'red';
}

/**
 * Copies every code from Postgres into the Redis read model, encoded exactly as the apps write it
 * (same key, same encoding), in pipelined batches. Returns how many were written.
 */
export async function fillCodeCache(
  databaseUrl: string,
  redisUrl: string,
  keyPrefix: string,
  progress?: { every: number; log: (written: number) => void },
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const cache = new CodeCache(redis, keyPrefix);
  await client.connect();
  let written = 0;
  try {
    for (let after = 0; ;) {
      const { rows } = await client.query<{
        id: string;
        color: Color;
        reason: string;
        version: string;
        updated: string;
        expires: string | null;
        tokenVersion: string;
      }>(
        `SELECT user_id::text AS id, color, reason, version::text AS version,
                (extract(epoch FROM updated_at) * 1000)::bigint::text AS updated,
                (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires,
                token_version::text AS "tokenVersion"
         FROM health_codes WHERE user_id > $1 ORDER BY user_id LIMIT $2`,
        [after, BATCH],
      );
      if (!rows.length) break;
      const pipeline = redis.pipeline();
      for (const r of rows) {
        const view: CodeView = {
          userId: r.id,
          color: r.color,
          reason: r.reason,
          version: Number(r.version),
          updatedAtMs: Number(r.updated),
          expiresAtMs: r.expires === null ? null : Number(r.expires),
          tokenVersion: Number(r.tokenVersion),
        };
        pipeline.set(cache.key(r.id), encodeCodeView(view));
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
      const before = written;
      written += rows.length;
      if (progress && Math.floor(written / progress.every) > Math.floor(before / progress.every)) progress.log(written);
      after = Number(rows[rows.length - 1].id);
    }
  } finally {
    await client.end();
    redis.disconnect();
  }
  return written;
}

/** Bench tokens outlive any run (the default lifetime of a phone's token). */
const TOKEN_TTL_SECONDS = 30 * 86_400;

/**
 * Writes one user token per line for ids 1..count, minted as the API mints them (userTokenSigner,
 * token version 0) with the same secret: as good as calling POST /v1/users `count` times.
 */
export async function writeUserTokens(file: string, secret: string, count: number): Promise<void> {
  await writeTokensOf(file, secret, count, (i) => i + 1);
}

/**
 * Writes `count` user tokens, line i for person `idOf(i)` (ids may repeat): a sample of a larger
 * population, so the load generator holds as many tokens whatever the population's size.
 */
export async function writeTokensOf(
  file: string,
  secret: string,
  count: number,
  idOf: (i: number) => number,
): Promise<void> {
  const sign = userTokenSigner(secret, TOKEN_TTL_SECONDS);
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += `${sign(String(idOf(i)), 0).token}\n`;
    if (chunk.length > 1 << 20 || i === count - 1) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
}

/** The same token for one person (for the correctness check before the load). */
export function userToken(secret: string, id: number): string {
  return userTokenSigner(secret, TOKEN_TTL_SECONDS)(String(id), 0).token;
}
