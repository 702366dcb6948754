import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CodeState, Color } from '#libs/domain/index.js';
import type { CodeRow, NextCode } from './code-rows.js';
import {
  codeWriteParams,
  codeWritesSql,
  WRITTEN_SQL,
  writtenCodes,
  type CodeWrite,
  type Written,
} from './code-writes.sql.js';
import { arrayLiteral, epochMs, toDate, toMs, type Db, queryJsonRows, queryRows } from './sql.js';

export interface HistoryRow {
  fromColor: Color | null;
  toColor: Color;
  reason: string;
  actor: string;
  atMs: number;
}

/**
 * A code row as the JSON of a CodeRow (for `queryJsonRows`; `t` names the row): one way to read a
 * code, a few at a time (the read path) or thousands (a window's trace), timestamps as epoch ms.
 */
const CODE = (
  t: string,
) => `json_build_object('userId', ${t}.user_id::text, 'color', ${t}.color, 'reason', ${t}.reason, 'version', ${t}.version,
  'updatedAtMs', ${epochMs(`${t}.updated_at`)}, 'expiresAtMs', ${epochMs(`${t}.expires_at`)}, 'infectiousFromMs', ${epochMs(`${t}.infectious_from`)},
  'tokenVersion', ${t}.token_version)`;

/** The codes of the rows `from` selects (aliased `c`), in user id order. */
const codesSql = (from: string) => `SELECT json_agg(${CODE('c')} ORDER BY c.user_id) AS rows FROM ${from}`;

@Injectable()
export class HealthCodeRepository {
  constructor(private readonly db: DataSource) {}

  /** One query for many people (the read path batches concurrent cache misses). */
  async findCodes(userIds: string[]): Promise<Map<string, CodeRow>> {
    const rows = await queryJsonRows<CodeRow>(this.db, codesSql('health_codes c WHERE user_id = ANY($1::bigint[])'), [
      userIds,
    ]);
    return new Map(rows.map((r) => [r.userId, r]));
  }

  /** Codes in user id order after `afterUserId`, for walking the whole table in pages. */
  async findCodesAfter(afterUserId: string, limit: number): Promise<CodeRow[]> {
    return queryJsonRows<CodeRow>(
      this.db,
      codesSql('(SELECT * FROM health_codes WHERE user_id > $1 ORDER BY user_id LIMIT $2) c'),
      [afterUserId, limit],
    );
  }

  /** Codes changed at or after `sinceMs`, in user id order after `afterUserId` (pages of a sweep). */
  async findCodesChangedSince(sinceMs: number, afterUserId: string, limit: number): Promise<CodeRow[]> {
    return queryJsonRows<CodeRow>(
      this.db,
      codesSql('(SELECT * FROM health_codes WHERE updated_at >= $1 AND user_id > $2 ORDER BY user_id LIMIT $3) c'),
      [new Date(sinceMs), afterUserId, limit],
    );
  }

  /** Yellows whose quarantine ended at or before `nowMs`, soonest first (the partial index of yellow expiries). */
  async findEndedQuarantines(nowMs: number, limit: number): Promise<string[]> {
    const rows = await queryRows(
      this.db,
      `SELECT user_id::text AS "userId" FROM health_codes WHERE color = 'yellow' AND expires_at <= to_timestamp($1 / 1000.0)
       ORDER BY expires_at LIMIT $2`,
      [nowMs, limit],
    );
    return rows.map((r: { userId: string }) => r.userId);
  }

  async countCodes(): Promise<number> {
    const [row] = await queryRows(this.db, 'SELECT count(*)::float8 AS n FROM health_codes');
    return Number(row.n);
  }

  /** Reads and locks a code inside a transaction, so changes to one person are serialized. */
  async lockCode(tx: Db, userId: string): Promise<CodeRow | null> {
    const [row] = await queryJsonRows<CodeRow>(
      tx,
      codesSql('(SELECT * FROM health_codes WHERE user_id = $1 FOR UPDATE) c'),
      [userId],
    );
    return row ?? null;
  }

  /** Writes the next code with a new version and appends its history row. */
  async writeCode(tx: Db, current: CodeRow, next: NextCode, actor: string, changeId: string | null): Promise<CodeRow> {
    const written = (
      await queryJsonRows<CodeRow>(
        tx,
        `WITH c AS (
         UPDATE health_codes SET color = $2, reason = $3, version = version + 1, updated_at = now(),
           expires_at = $4, infectious_from = $5
         WHERE user_id = $1 RETURNING *)
       ${codesSql('c')}`,
        [current.userId, next.color, next.reason, toDate(next.expiresAtMs), toDate(next.infectiousFromMs)],
      )
    )[0];
    await queryRows(
      tx,
      `INSERT INTO code_history (user_id, from_color, to_color, reason, actor, change_id, version, at, expires_at, infectious_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        written.userId,
        current.color,
        written.color,
        written.reason,
        actor,
        changeId,
        written.version,
        new Date(written.updatedAtMs),
        toDate(written.expiresAtMs),
        toDate(written.infectiousFromMs),
      ],
    );
    return written;
  }

  /**
   * Moves a person's token version on, so every token issued before is refused; the code itself
   * (colour, version, times) is left as it is. Null for an unknown person.
   */
  async bumpTokenVersion(tx: Db, userId: string): Promise<CodeRow | null> {
    const [row] = await queryJsonRows<CodeRow>(
      tx,
      `WITH c AS (UPDATE health_codes SET token_version = token_version + 1 WHERE user_id = $1 RETURNING *) ${codesSql('c')}`,
      [userId],
    );
    return row ?? null;
  }

  /** Reads and locks many codes (in user id order, so concurrent lockers cannot deadlock). */
  async lockCodes(tx: Db, userIds: string[]): Promise<Map<string, CodeRow>> {
    const rows = await queryJsonRows<CodeRow>(
      tx,
      codesSql('(SELECT * FROM health_codes WHERE user_id = ANY($1::bigint[]) ORDER BY user_id FOR UPDATE) c'),
      [arrayLiteral(userIds)],
    );
    return new Map(rows.map((r) => [r.userId, r]));
  }

  /**
   * writeCode for many people at once (each at most once), in one statement whatever their number:
   * each code is written only if its version is still the one `current` holds (so a code read
   * earlier without a lock may be decided on: one changed since is left alone). Returns the
   * written rows.
   */
  async writeCodes(tx: Db, writes: CodeWrite[], actor: string): Promise<CodeRow[]> {
    if (!writes.length) return [];
    const [written] = await queryRows<Written>(tx, `WITH ${codeWritesSql(2, '$1')} SELECT ${WRITTEN_SQL}`, [
      actor,
      ...codeWriteParams(writes),
    ]);
    return writtenCodes(writes, written);
  }

  /**
   * The code version a change wrote and the whole code just before it (from the history rows),
   * which is what revoking the change restores.
   */
  async findChangeVersions(
    tx: Db,
    userId: string,
    changeId: string,
  ): Promise<{ appliedVersion: number | null; previous: CodeState | null }> {
    const [row] = await queryRows(
      tx,
      `SELECT h.version::int AS version, p.to_color AS color, p.reason, p.expires_at AS "expiresAt", p.infectious_from AS "infectiousFrom"
       FROM code_history h LEFT JOIN code_history p ON p.user_id = h.user_id AND p.version = h.version - 1
       WHERE h.change_id = $2 AND h.user_id = $1`,
      [userId, changeId],
    );
    if (!row) return { appliedVersion: null, previous: null };
    const previous =
      row.color === null
        ? null
        : {
            color: row.color,
            reason: row.reason,
            expiresAtMs: toMs(row.expiresAt),
            infectiousFromMs: toMs(row.infectiousFrom),
          };
    return { appliedVersion: Number(row.version), previous };
  }

  async findHistory(userId: string, limit = 100): Promise<HistoryRow[]> {
    const rows = await queryRows(
      this.db,
      `SELECT from_color AS "fromColor", to_color AS "toColor", reason, actor, at FROM code_history
       WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map((r: HistoryRow & { at: Date }) => ({
      fromColor: r.fromColor,
      toColor: r.toColor,
      reason: r.reason,
      actor: r.actor,
      atMs: r.at.getTime(),
    }));
  }
}
