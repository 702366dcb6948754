import type { CodeRow, NextCode } from './code-rows.js';
import { arrayLiteral, epochMs, textArrayLiteral } from './sql.js';

/** What deciding a code's next state takes of it, and the version it is decided on. */
export type VersionedCode = Pick<CodeRow, 'userId' | 'color' | 'version' | 'expiresAtMs' | 'infectiousFromMs'>;

/** A code's next state, decided on the version `current` holds. */
export interface CodeWrite {
  current: VersionedCode;
  next: NextCode;
  changeId: string | null;
}

/**
 * The CTEs that write codes decided on known versions, for one statement whatever their number:
 * `w` the writes (8 array parameters from `$first`: see codeWriteParams), `locked` their codes
 * locked in user id order (so concurrent writers cannot deadlock), `written` the codes updated
 * with a new version, only where the version is still the one decided on (a code changed since
 * it was read is left alone: the caller decides again under the lock), and `history` their rows.
 * `actor`: the SQL of the actor. `changes`: a CTE of requests (`id`, `user_id`, `status`) stored
 * by the same statement: only the people with one stored applied are written, and its id is the
 * history's change id (`w` has none then).
 */
export function codeWritesSql(first: number, actor: string, changes?: string): string {
  const p = (i: number, type: string) => `$${first + i}::${type}[]`;
  return `w AS (
    SELECT * FROM unnest(${p(0, 'bigint')}, ${p(1, 'bigint')}, ${p(2, 'text')}, ${p(3, 'text')}, ${p(4, 'float8')}, ${p(5, 'float8')}, ${p(6, 'text')}, ${p(7, 'bigint')})
      AS w(w_user, w_version, w_color, w_reason, w_expires_ms, w_infectious_ms, w_from, w_change)),
  locked AS (SELECT user_id FROM health_codes WHERE user_id = ANY(${p(0, 'bigint')}) ORDER BY user_id FOR UPDATE),
  written AS (
    UPDATE health_codes SET color = w_color, reason = w_reason, version = version + 1, updated_at = now(),
      expires_at = to_timestamp(w_expires_ms / 1000.0), infectious_from = to_timestamp(w_infectious_ms / 1000.0)
    FROM w JOIN locked l ON l.user_id = w.w_user${changes ? ` JOIN ${changes} ch ON ch.user_id = w.w_user AND ch.status = 'applied'` : ''}
    WHERE health_codes.user_id = w.w_user AND health_codes.version = w.w_version
    RETURNING health_codes.*, w_from, ${changes ? 'ch.id' : 'w_change'} AS change_id),
  history AS (
    INSERT INTO code_history (user_id, from_color, to_color, reason, actor, change_id, version, at, expires_at, infectious_from)
    SELECT user_id, w_from, color, reason, ${actor}, change_id, version, date_trunc('milliseconds', updated_at), expires_at, infectious_from
    FROM written)`;
}

/**
 * The columns that tell what `written` (codeWritesSql) wrote: the people (JSON: one native parse),
 * the transaction's now(), which stamped them all, and the token versions that are not 0 (few
 * people's tokens were ever revoked); writtenCodes rebuilds the rows from that. Cheaper than the
 * rows themselves, thousands of times three timestamps turned into epoch ms.
 */
export const WRITTEN_SQL = `(SELECT coalesce(json_agg(user_id::text), '[]') FROM written) AS "writtenIds", ${epochMs('now()')} AS "writtenAtMs",
  (SELECT coalesce(json_object_agg(user_id::text, token_version), '{}') FROM written WHERE token_version > 0) AS "tokenVersions"`;

export interface Written {
  writtenIds: string[];
  writtenAtMs: number;
  tokenVersions: Record<string, number>;
}

/**
 * The rows `written` holds: each written person's next state at the version after the one decided
 * on, with the token version the update saw (the cache must never get an older one).
 */
export function writtenCodes(writes: CodeWrite[], { writtenIds, writtenAtMs, tokenVersions }: Written): CodeRow[] {
  const ids = new Set(writtenIds);
  return writes
    .filter((w) => ids.has(w.current.userId))
    .map(({ current, next }) => ({
      userId: current.userId,
      version: current.version + 1,
      updatedAtMs: writtenAtMs,
      tokenVersion: Number(tokenVersions[current.userId] ?? 0),
      ...next,
    }));
}

/** The 8 parameters of codeWritesSql, in its order. */
export function codeWriteParams(writes: CodeWrite[]): string[] {
  return [
    arrayLiteral(writes.map((w) => w.current.userId)),
    arrayLiteral(writes.map((w) => w.current.version)),
    textArrayLiteral(writes.map((w) => w.next.color)),
    textArrayLiteral(writes.map((w) => w.next.reason)),
    arrayLiteral(writes.map((w) => w.next.expiresAtMs)),
    arrayLiteral(writes.map((w) => w.next.infectiousFromMs)),
    textArrayLiteral(writes.map((w) => w.current.color)),
    arrayLiteral(writes.map((w) => w.changeId)),
  ];
}
