import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  codeChangeColumns,
  codeChangeFromRaw,
  type CodeChangeRow,
  type CodeChangeStatus,
  type RawCodeChange,
} from './code-change.repository.js';
import { type Db, queryRows } from './sql.js';

/** Which requests a list, an export, a bulk decision or a claim takes (every field optional). */
export interface CodeChangeFilter {
  status?: CodeChangeStatus;
  auto?: boolean;
  exposureMin?: number;
  exposureMax?: number;
  /** Window ids, `fromWindow` <= id < `toWindow` (libs/domain windowIdRange). */
  fromWindow?: number;
  toWindow?: number;
  /** A geohash prefix: requests whose evidence has a cell in it. */
  area?: string;
  /** Requests whose evidence names this person as a source. */
  sourceId?: string;
  /** An admin's username: requests that admin decided. */
  decidedBy?: string;
  /** Leaves out pending requests someone other than this username holds a live claim on. */
  claimableBy?: string;
}

export const QUEUE_SORTS = ['age', 'exposure', 'window'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export interface QueueOrder {
  sort: QueueSort;
  desc: boolean;
}

// Each sort ends in the id, so the order is total and pages neither repeat nor skip a row. Age is
// the id's order (ids grow with creation), which the primary key and (status, id) serve.
const SORT_COLUMNS: Record<QueueSort, string[]> = {
  age: ['c.id'],
  exposure: ['c.exposure_seconds', 'c.id'],
  window: ['c.window_id', 'c.id'],
};

/** `WHERE ...` of a filter, its values appended to `params` (every value a parameter). */
export function codeChangeWhere(f: CodeChangeFilter, params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (f.status) where.push(`c.status = ${p(f.status)}`);
  if (f.auto !== undefined) where.push(`c.auto = ${p(f.auto)}`);
  if (f.exposureMin !== undefined) where.push(`c.exposure_seconds >= ${p(f.exposureMin)}`);
  if (f.exposureMax !== undefined) where.push(`c.exposure_seconds <= ${p(f.exposureMax)}`);
  if (f.fromWindow !== undefined) where.push(`c.window_id >= ${p(f.fromWindow)}`);
  if (f.toWindow !== undefined) where.push(`c.window_id < ${p(f.toWindow)}`);
  // The partial index of admins' decisions is only chosen when its condition is in the query.
  if (f.decidedBy !== undefined)
    where.push(`c.decided_by = ${p(`admin:${f.decidedBy}`)} AND c.decided_by LIKE 'admin:%'`);
  // The evidence of a request is its person's exposures in its window: primary-key lookups.
  if (f.sourceId !== undefined)
    where.push(
      `EXISTS (SELECT 1 FROM exposures e WHERE e.window_id = c.window_id AND e.contact_id = c.user_id AND e.source_id = ${p(f.sourceId)})`,
    );
  if (f.area !== undefined)
    where.push(
      `EXISTS (SELECT 1 FROM exposures e, unnest(e.cells) cell WHERE e.window_id = c.window_id AND e.contact_id = c.user_id AND starts_with(cell, ${p(f.area)}))`,
    );
  if (f.claimableBy !== undefined)
    where.push(
      `(c.claimed_by IS NULL OR c.claim_expires_at <= now() OR c.claimed_by = ${p(f.claimableBy)} OR c.status <> 'pending')`,
    );
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

const orderBy = (o: QueueOrder) => SORT_COLUMNS[o.sort].map((c) => `${c} ${o.desc ? 'DESC' : 'ASC'}`).join(', ');

const FROM = 'code_changes c';
const SELECT = `SELECT ${codeChangeColumns('c.')}`;

/**
 * The review queue as the officials' console reads it: filtered pages with a total, the whole
 * filtered list in export order, and the set a bulk decision or a claim takes.
 */
@Injectable()
export class ReviewQueueRepository {
  constructor(private readonly db: DataSource) {}

  async page(f: CodeChangeFilter, order: QueueOrder, limit: number, offset: number): Promise<CodeChangeRow[]> {
    const params: unknown[] = [];
    const where = codeChangeWhere(f, params);
    const rows = await queryRows<RawCodeChange>(
      this.db,
      `${SELECT} FROM ${FROM} ${where} ORDER BY ${orderBy(order)} LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`,
      params,
    );
    return rows.map(codeChangeFromRaw);
  }

  /** A page after `afterId` in id order (the cursor form of the list). */
  async pageAfter(f: CodeChangeFilter, afterId: string, limit: number): Promise<CodeChangeRow[]> {
    const params: unknown[] = [];
    const where = codeChangeWhere(f, params);
    const rows = await queryRows<RawCodeChange>(
      this.db,
      `${SELECT} FROM ${FROM} ${where ? `${where} AND` : 'WHERE'} c.id > $${params.push(afterId)} ORDER BY c.id LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(codeChangeFromRaw);
  }

  async count(f: CodeChangeFilter, db: Db = this.db): Promise<number> {
    const params: unknown[] = [];
    const [row] = await queryRows<{ n: number }>(
      db,
      `SELECT count(*)::float8 AS n FROM ${FROM} ${codeChangeWhere(f, params)}`,
      params,
    );
    return Number(row.n);
  }

  /**
   * Every matching request in the list's order, `batch` rows at a time, from one snapshot (a
   * cursor in a read-only transaction on a connection of its own): an export of a hundred
   * thousand rows never holds them all. Stopping early (a client gone) ends the transaction.
   */
  async *stream(f: CodeChangeFilter, order: QueueOrder, batch = 1_000): AsyncGenerator<CodeChangeRow[]> {
    const params: unknown[] = [];
    const sql = `${SELECT} FROM ${FROM} ${codeChangeWhere(f, params)} ORDER BY ${orderBy(order)}`;
    const runner = this.db.createQueryRunner();
    let open = false;
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      await runner.query(`DECLARE hc_export NO SCROLL CURSOR FOR ${sql}`, params);
      for (;;) {
        const rows = (await runner.query(`FETCH ${batch} FROM hc_export`)) as RawCodeChange[];
        if (rows.length) yield rows.map(codeChangeFromRaw);
        if (rows.length < batch) break;
      }
      await runner.query('COMMIT');
      open = false;
    } finally {
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * The pending requests matching `f`, locked for the caller's transaction, in id order (one
   * lock order for every bulk decision, so two cannot deadlock on each other).
   */
  async lockPending(tx: Db, f: CodeChangeFilter): Promise<{ id: string; userId: string }[]> {
    const params: unknown[] = [];
    const where = codeChangeWhere({ ...f, status: 'pending' }, params);
    return queryRows(
      tx,
      `SELECT c.id::text, c.user_id::text AS "userId" FROM ${FROM} ${where} ORDER BY c.id FOR UPDATE OF c`,
      params,
    );
  }

  /**
   * Claims for `username`, until `seconds` from now, the oldest `count` pending requests matching
   * `f` that nobody holds a live claim on. Rows another claim is taking at the same moment are
   * skipped, not waited for, so two reviewers claiming at once get different requests.
   */
  async claim(username: string, seconds: number, count: number, f: CodeChangeFilter): Promise<CodeChangeRow[]> {
    const params: unknown[] = [username, seconds];
    const where = codeChangeWhere({ ...f, status: 'pending' }, params);
    const rows = await queryRows<RawCodeChange>(
      this.db,
      `WITH picked AS (
         SELECT c.id FROM ${FROM} ${where} AND (c.claimed_by IS NULL OR c.claim_expires_at <= now())
         ORDER BY c.id LIMIT $${params.push(count)} FOR UPDATE OF c SKIP LOCKED)
       UPDATE code_changes SET claimed_by = $1, claim_expires_at = now() + make_interval(secs => $2)
       FROM picked WHERE code_changes.id = picked.id
       RETURNING ${codeChangeColumns('code_changes.')}`,
      params,
    );
    return rows.map(codeChangeFromRaw).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /** Ends `username`'s live claims; returns how many. */
  async release(username: string): Promise<number> {
    const rows = await queryRows(
      this.db,
      `UPDATE code_changes SET claimed_by = NULL, claim_expires_at = NULL
       WHERE status = 'pending' AND claimed_by = $1 AND claim_expires_at > now() RETURNING id`,
      [username],
    );
    return rows.length;
  }
}
