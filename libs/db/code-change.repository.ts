import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Color } from '#libs/domain/index.js';
import {
  codeWriteParams,
  codeWritesSql,
  WRITTEN_SQL,
  writtenCodes,
  type CodeWrite,
  type Written,
} from './code-writes.sql.js';
import type { CodeRow } from './code-rows.js';
import { arrayLiteral, epochMs, Savepoint, textArrayLiteral, type Db, queryRows, UNIQUE_VIOLATION } from './sql.js';

export const CODE_CHANGE_STATUSES = ['pending', 'applied', 'rejected', 'superseded', 'revoked'] as const;
export type CodeChangeStatus = (typeof CODE_CHANGE_STATUSES)[number];

export interface NewCodeChange {
  userId: string;
  fromColor: Color;
  toColor: Color;
  auto: boolean;
  reason: string;
  exposureSeconds: number;
  expiresAtMs: number | null;
}

export interface CodeChangeRow extends NewCodeChange {
  id: string;
  windowId: number;
  status: CodeChangeStatus;
  createdAtMs: number;
  decidedAtMs: number | null;
  decidedBy: string | null;
  note: string | null;
  /** Who works the request now (a pending one whose claim has not expired), else null. */
  claimedBy: string | null;
  claimExpiresAtMs: number | null;
}

/** What insertRequests stored: new requests, the new automatic ones stored applied, and the applied ones whose expiry grew. */
export interface StoredRequests {
  created: number;
  applied: { id: string; userId: string }[];
  extended: CodeChangeRow[];
}

/** What applying a request needs of it. */
export type ChangeToApply = Pick<CodeChangeRow, 'id' | 'userId' | 'toColor' | 'reason' | 'expiresAtMs'>;

/** Exposure of the request's person to one source in the request's window (the evidence). */
export interface ExposureEvidence {
  sourceId: string;
  seconds: number;
  slots: number[];
  cells: string[];
  /** The closest pings of the pair (null: traced before distances were kept, or past retention). */
  closest: { meters: number; secondsApart: number } | null;
}

/**
 * A code_changes row as RawCodeChange (then codeChangeFromRaw); `t` qualifies each column (`c.`).
 * Times come as epoch milliseconds: pg's parsing of timestamps into Dates cost an export of a
 * hundred thousand rows most of its time.
 */
export const codeChangeColumns = (t = '') => `${t}id::text AS id, ${t}user_id::text AS "userId",
  ${t}window_id::float8 AS "windowId", ${t}from_color AS "fromColor", ${t}to_color AS "toColor", ${t}status AS status,
  ${t}auto AS auto, ${t}reason AS reason, ${t}exposure_seconds AS "exposureSeconds",
  ${epochMs(`${t}expires_at`)} AS "expiresAtMs", ${epochMs(`${t}created_at`)} AS "createdAtMs",
  ${epochMs(`${t}decided_at`)} AS "decidedAtMs", ${t}decided_by AS "decidedBy", ${t}note AS note,
  CASE WHEN ${t}status = 'pending' AND ${t}claim_expires_at > now() THEN ${t}claimed_by END AS "claimedBy",
  CASE WHEN ${t}status = 'pending' AND ${t}claim_expires_at > now() THEN ${epochMs(`${t}claim_expires_at`)} END
    AS "claimExpiresAtMs"`;
const COLUMNS = codeChangeColumns();

/** A row of codeChangeColumns as pg answers it (float8 is parsed to a number, bigint ids come as text). */
export type RawCodeChange = CodeChangeRow;
type Raw = RawCodeChange;

export const codeChangeFromRaw = (r: Raw): CodeChangeRow => ({ ...r, windowId: Number(r.windowId) });
const fromRaw = codeChangeFromRaw;

/** What storeNewRequests stored: requests as insertRequests, and the codes written. */
export interface StoredNewRequests extends StoredRequests {
  written: CodeRow[];
}

interface RequestsSummary {
  created: number;
  applied: { id: string; userId: string }[];
  extended: string[];
}

/**
 * The INSERT of a window's requests, RETURNING which were created and their status (parameters
 * $1..$9: see requestParams). A request already stored is refreshed by `upsert` (see
 * insertRequests), else fails the statement (unique violation): a plain INSERT costs Postgres
 * about a third less than ON CONFLICT's speculative insertion (docs/benchmarks.md, batch).
 */
const insertSql = (
  upsert: boolean,
) => `INSERT INTO code_changes AS c (user_id, window_id, from_color, to_color, status, auto, reason, exposure_seconds, expires_at, decided_at, decided_by)
    SELECT u, $1, f, t, CASE WHEN applied THEN 'applied' ELSE 'pending' END, a, r, e, to_timestamp(x / 1000.0),
           CASE WHEN applied THEN now() END, CASE WHEN applied THEN $9::text END
    FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::int[], $8::float8[]) AS v(u, f, t, a, r, e, x),
         LATERAL (SELECT a AND $9::text IS NOT NULL AS applied) s
    ORDER BY u -- one lock order for concurrent writers of a window (a duplicate job): no deadlock between them
    ${
      upsert
        ? `ON CONFLICT (user_id, window_id, to_color) DO UPDATE SET
      exposure_seconds = GREATEST(c.exposure_seconds, EXCLUDED.exposure_seconds),
      expires_at = GREATEST(c.expires_at, EXCLUDED.expires_at),
      auto = CASE WHEN c.status = 'pending' THEN c.auto OR EXCLUDED.auto ELSE c.auto END
    WHERE EXCLUDED.exposure_seconds > c.exposure_seconds OR EXCLUDED.expires_at > c.expires_at
       OR (c.status = 'pending' AND EXCLUDED.auto AND NOT c.auto)`
        : ''
    }
    RETURNING id, user_id, status, (xmax = 0) AS created`;

/** The new automatic requests stored applied (`ins`: insertSql's rows), as JSON: one native parse, where a text[] is parsed character by character. */
const APPLIED_SQL = `coalesce(json_agg(json_build_object('id', id::text, 'userId', user_id::text) ORDER BY id) FILTER (WHERE created AND status = 'applied'), '[]')`;

/**
 * insertRequests' statement: only counts and the few ids needed come back (ten thousand full rows
 * cost the app more than the upsert costs Postgres).
 */
const requestsSql = `WITH ins AS (${insertSql(true)})
  SELECT count(*) FILTER (WHERE created)::int AS created, ${APPLIED_SQL} AS applied,
         coalesce(array_agg(id::text) FILTER (WHERE NOT created AND status = 'applied'), '{}') AS extended
  FROM ins`;

/**
 * A window's new requests with the codes of the automatic ones written in the same statement
 * (codeWritesSql from $10, for the requests stored applied now).
 */
const newRequestsSql = `WITH ins AS (${insertSql(false)}),
  ${codeWritesSql(10, '$9::text', 'ins')}
  SELECT (SELECT count(*)::int FROM ins) AS created, (SELECT ${APPLIED_SQL} FROM ins) AS applied, ${WRITTEN_SQL}`;

/** insertSql's parameters. Array literals: far cheaper to build than pg's encoding of ten thousand elements one by one. */
const requestParams = (windowId: number, rows: NewCodeChange[], appliedBy: string | null) => [
  windowId,
  arrayLiteral(rows.map((r) => r.userId)),
  textArrayLiteral(rows.map((r) => r.fromColor)),
  textArrayLiteral(rows.map((r) => r.toColor)),
  arrayLiteral(rows.map((r) => r.auto)),
  textArrayLiteral(rows.map((r) => r.reason)),
  arrayLiteral(rows.map((r) => r.exposureSeconds)),
  arrayLiteral(rows.map((r) => r.expiresAtMs)),
  appliedBy,
];

@Injectable()
export class CodeChangeRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Bulk upsert; one request per (user, window, target colour), so a rerun adds nothing. A window
   * traced again with more evidence (late pings, a retro-trace) refreshes its requests: the
   * exposure and the expiry only grow, a pending request may become automatic, a decided one stays
   * decided. With `appliedBy`, new automatic requests are stored applied by that actor (the caller
   * writes their codes in the same transaction). Returns how many were new, the new ones stored
   * applied, and the applied ones whose expiry grew (their quarantine is extended by the caller).
   */
  async insertRequests(
    tx: Db,
    windowId: number,
    rows: NewCodeChange[],
    appliedBy: string | null = null,
  ): Promise<StoredRequests> {
    if (!rows.length) return { created: 0, applied: [], extended: [] };
    const [summary] = await queryRows<RequestsSummary>(tx, requestsSql, requestParams(windowId, rows, appliedBy));
    const extended: Raw[] = summary.extended.length
      ? await queryRows(tx, `SELECT ${COLUMNS} FROM code_changes WHERE id = ANY($1::bigint[]) ORDER BY id`, [
          summary.extended,
        ])
      : [];
    return { created: summary.created, applied: summary.applied, extended: extended.map(fromRaw) };
  }

  /**
   * The savepoint storeNewRequests runs in, set now (ahead of reads only, see Savepoint): a full
   * trace sets it when its code transaction starts, so the requests' statement goes out the
   * moment it is ready.
   */
  newRequestsSavepoint(tx: Db): Savepoint {
    return new Savepoint(tx, 'hc_new_requests');
  }

  /**
   * insertRequests for a window's full trace, whose requests are most likely all new: they go in
   * by a plain INSERT in a savepoint (automatic ones stored applied by `appliedBy`), with the codes
   * of those automatic ones written in the same statement, one round trip instead of three
   * (requests, locks, codes). `writes`: the codes, decided on versions read earlier; each is
   * written only if its version is unchanged (see codeWritesSql), the others are left to the
   * caller. When a request existed (a rerun, or a duplicate job that committed first), nothing of
   * that statement stays: insertRequests' upsert stores them all, and the codes are left to the
   * caller (`written` is empty). `savepoint`: one set earlier in `tx` by newRequestsSavepoint
   * (else it is set now, one round trip before the statement).
   */
  async storeNewRequests(
    tx: Db,
    windowId: number,
    rows: NewCodeChange[],
    appliedBy: string,
    writes: CodeWrite[] = [],
    savepoint?: Savepoint,
  ): Promise<StoredNewRequests> {
    if (!rows.length) return { created: 0, applied: [], extended: [], written: [] };
    const params = [...requestParams(windowId, rows, appliedBy), ...codeWriteParams(writes)];
    const attempt = (savepoint ?? this.newRequestsSavepoint(tx)).attempt<Omit<StoredRequests, 'extended'> & Written>(
      UNIQUE_VIOLATION,
      newRequestsSql,
      params,
    );
    const [fresh] = (await attempt) ?? [];
    if (fresh)
      return { created: fresh.created, applied: fresh.applied, extended: [], written: writtenCodes(writes, fresh) };
    return { ...(await this.insertRequests(tx, windowId, rows, appliedBy)), written: [] };
  }

  /**
   * Automatic requests of a window not yet applied: ids and people. Tracing stores its automatic
   * requests applied, so these are the few a later pass raised from review, or a crash left.
   */
  async findPendingAuto(db: Db, windowId: number): Promise<{ id: string; userId: string }[]> {
    return queryRows(
      db,
      `SELECT id::text, user_id::text AS "userId" FROM code_changes WHERE window_id = $1 AND auto AND status = 'pending' ORDER BY id`,
      [windowId],
    );
  }

  async findChange(id: string): Promise<CodeChangeRow | null> {
    const [row] = await queryRows(this.db, `SELECT ${COLUMNS} FROM code_changes WHERE id = $1`, [id]);
    return row ? fromRaw(row) : null;
  }

  async findEvidence(windowId: number, userId: string): Promise<ExposureEvidence[]> {
    const rows = await queryRows(
      this.db,
      `SELECT source_id::text AS "sourceId", seconds, slots::float8[] AS slots, cells,
              CASE WHEN meters IS NOT NULL THEN json_build_object('meters', round(meters::numeric, 1), 'secondsApart', seconds_apart) END AS closest
       FROM exposures WHERE window_id = $1 AND contact_id = $2 ORDER BY source_id`,
      [windowId, userId],
    );
    return rows.map((r: ExposureEvidence) => ({
      ...r,
      slots: r.slots.map(Number),
      closest: r.closest && { meters: Number(r.closest.meters), secondsApart: r.closest.secondsApart },
    }));
  }

  /** How many requests wait for an admin, and since when the oldest has (for metrics). */
  async pendingSummary(): Promise<{ count: number; oldestCreatedAtMs: number | null }> {
    const [row] = await queryRows(
      this.db,
      `SELECT count(*)::float8 AS n, min(created_at) AS oldest FROM code_changes WHERE status = 'pending'`,
    );
    return { count: Number(row.n), oldestCreatedAtMs: row.oldest ? new Date(row.oldest).getTime() : null };
  }

  /**
   * Decides a request only if it is still pending: a conditional UPDATE, so of concurrent
   * decisions exactly one gets the row back (the others wait on the row lock, then find it decided).
   * With `claimant`, a request claimed by someone else (a live claim) is not decided either.
   */
  async decidePending(
    tx: Db,
    id: string,
    status: CodeChangeStatus,
    decidedBy: string,
    note: string | null,
    claimant: string | null = null,
  ): Promise<CodeChangeRow | null> {
    const [row] = await queryRows(
      tx,
      `UPDATE code_changes SET status = $2, decided_at = now(), decided_by = $3, note = $4
       WHERE id = $1 AND status = 'pending'
         AND ($5::text IS NULL OR claimed_by IS NULL OR claimed_by = $5 OR claim_expires_at <= now())
       RETURNING ${COLUMNS}`,
      [id, status, decidedBy, note, claimant],
    );
    return row ? fromRaw(row) : null;
  }

  /** decidePending for many requests in one statement; returns those that were still pending (what applying them needs). */
  async decidePendingMany(
    tx: Db,
    ids: string[],
    status: CodeChangeStatus,
    decidedBy: string,
    note: string | null,
  ): Promise<ChangeToApply[]> {
    const rows = await queryRows(
      tx,
      `UPDATE code_changes SET status = $2, decided_at = now(), decided_by = $3, note = $4
       WHERE id = ANY($1::bigint[]) AND status = 'pending'
       RETURNING id::text, user_id::text AS "userId", to_color AS "toColor", reason, ${epochMs('expires_at')} AS "expiresAtMs"`,
      [arrayLiteral(ids), status, decidedBy, note],
    );
    return rows;
  }

  async decideMany(
    tx: Db,
    ids: string[],
    status: CodeChangeStatus,
    decidedBy: string,
    note: string | null,
  ): Promise<void> {
    if (!ids.length) return;
    await queryRows(
      tx,
      'UPDATE code_changes SET status = $2, decided_at = now(), decided_by = $3, note = $4 WHERE id = ANY($1::bigint[])',
      [arrayLiteral(ids), status, decidedBy, note],
    );
  }

  async lockChange(tx: Db, id: string): Promise<CodeChangeRow | null> {
    const [row] = await queryRows(tx, `SELECT ${COLUMNS} FROM code_changes WHERE id = $1 FOR UPDATE`, [id]);
    return row ? fromRaw(row) : null;
  }

  async decide(
    tx: Db,
    id: string,
    status: CodeChangeStatus,
    decidedBy: string,
    note: string | null,
  ): Promise<CodeChangeRow> {
    const [row] = await queryRows(
      tx,
      `UPDATE code_changes SET status = $2, decided_at = now(), decided_by = $3, note = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status, decidedBy, note],
    );
    return fromRaw(row);
  }
}
