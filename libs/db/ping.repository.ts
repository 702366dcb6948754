import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { windowsAffectedByPing, type TimeGrid } from '#libs/domain/index.js';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { CopyWithRowsQuery } from './copy-with-rows.query.js';
import { PingPartitionRepository } from './ping-partition.repository.js';
import { finePosition, ZONE_LENGTH } from '#libs/geo/index.js';
import {
  PING_COPY_COLUMNS,
  PING_COPY_HEADER,
  PING_COPY_TRAILER,
  POSITION_SCALE,
  type PingBatch,
  type PingColumns,
} from './ping-copy-rows.js';

export * from './ping-copy-rows.js';

const DAY_MS = 86_400_000;

// Window ids and the window length are inlined into these statements (sent with BEGIN and the
// COPY as one query); insertPings lets only integers get there.

/** Registers the windows (their grid start and end) unless they are; in id order, one lock order for concurrent writers. */
const registerWindowsSql = (ids: number[], windowSeconds: number) =>
  `INSERT INTO windows (id, starts_at, ends_at)
   SELECT id, to_timestamp(id * ${windowSeconds}), to_timestamp((id + 1) * ${windowSeconds})
   FROM unnest('{${ids.join(',')}}'::bigint[]) AS id ORDER BY 1
   ON CONFLICT (id) DO NOTHING`;

/** Windows whose trace has started (processing, done or failed): a ping of theirs is late. */
const tracedWindowsWhere = (ids: number[]) => `id IN (${ids.join(',')}) AND status IN ('processing', 'done', 'failed')`;

/** Registers the windows and marks those already traced; answers their ids (their pings are late). */
const windowsSql = (ids: number[], windowSeconds: number) =>
  `WITH registered AS (${registerWindowsSql(ids, windowSeconds)})
   UPDATE windows SET late_pings = true, updated_at = now() WHERE ${tracedWindowsWhere(ids)}
   RETURNING id`;

/** The error with which the fast path's guard refuses pings of windows already traced. */
const LATE_WINDOWS = 'HCL01';

/**
 * The fast path's guard, run before its COPY: registers the windows (unless this process knows
 * they are) and, when one of them was already traced, aborts the transaction with LATE_WINDOWS:
 * those pings take the careful path (windowsSql, late-ping rows).
 */
const guardSql = (ids: number[], windowSeconds: number, register: boolean) =>
  `DO $$BEGIN
     ${register ? `${registerWindowsSql(ids, windowSeconds)};` : ''}
     IF EXISTS (SELECT 1 FROM windows WHERE ${tracedWindowsWhere(ids)}) THEN
       RAISE EXCEPTION 'pings of windows already traced' USING ERRCODE = '${LATE_WINDOWS}';
     END IF;
   END$$`;

/** Window ids remembered as registered (rows are never deleted); cleared past this many. */
const MAX_KNOWN_WINDOWS = 10_000;

/** Late pings recorded for their windows' late-ping pass: (window, user, ts) rows. */
const LATE_PINGS_SQL = `INSERT INTO pending_late_pings (window_id, user_id, ts)
   SELECT w, u, to_timestamp(ms / 1000.0) FROM unnest($1::bigint[], $2::bigint[], $3::float8[]) AS t(w, u, ms)
   ORDER BY 1, 2, 3
   ON CONFLICT DO NOTHING`;

const INSERT_SQL = `INSERT INTO pings ${PING_COPY_COLUMNS}
   SELECT u, to_timestamp(ms / 1000.0), c, la, lo, le, nullif(ac, 0), left(c, ${ZONE_LENGTH})
   FROM unnest($1::bigint[], $2::float8[], $3::text[], $4::int[], $5::int[], $6::smallint[], $7::smallint[])
     AS t(u, ms, c, la, lo, le, ac)
   ORDER BY 1, 2 -- one lock order for concurrent writers: no deadlock between them
   ON CONFLICT DO NOTHING`;

// unique_violation (a retried ping), deadlock_detected (two groups holding each other's keys), late pings.
const TAKE_CAREFUL_PATH = new Set(['23505', '40P01', LATE_WINDOWS]);

/**
 * Whether the fast path's failure sends the group down the careful path. Citus's COPY reports a
 * worker's error with its message but not its SQLSTATE (internal_error, XX000: ReportCopyError in
 * multi_copy.c), so a retried ping on a cluster is known by the message Postgres gives it.
 */
function takesCarefulPath(err: unknown): boolean {
  const { code = '', message = '' } = (err ?? {}) as { code?: string; message?: string };
  if (TAKE_CAREFUL_PATH.has(code)) return true;
  return code === 'XX000' && message.startsWith('duplicate key value violates unique constraint "pings_');
}

@Injectable()
export class PingRepository {
  private readonly knownDays = new Set<number>();
  private readonly knownWindows = new Set<number>();

  constructor(
    private readonly db: DataSource,
    private readonly partitions: PingPartitionRepository,
  ) {}

  /** Creates missing day partitions for these batches (remembered per process: one check a day). */
  async ensurePartitionsFor(batches: readonly PingBatch[]): Promise<void> {
    const missing = new Set<number>();
    for (const b of batches) for (const d of b.days) if (!this.knownDays.has(d)) missing.add(d);
    if (!missing.size) return;
    await this.partitions.ensurePartitions([...missing].map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10)));
    missing.forEach((d) => this.knownDays.add(d));
  }

  /**
   * Appends the pings of several requests and registers their windows in one transaction; a
   * ping already stored (same user and ts) is skipped. Returns the ids of windows that were
   * already traced (their pings are late); those are recorded for the window's late-ping pass in
   * the same transaction. `windowIds` are the windows whose trace these pings can change
   * (windowsAffectedByPing).
   *
   * Fast path, one round trip: `BEGIN`, the windows' guard (guardSql), a binary COPY and
   * `COMMIT` as one query written together with the rows (CopyWithRowsQuery), so Postgres never
   * waits for this process's event loop, busy with requests, in the middle of a commit. COPY costs
   * about a third of the database's work of an INSERT from arrays. A retried batch (or a ping
   * repeated within the group) makes COPY hit the primary key, and a late ping makes the guard
   * fail; either aborts the transaction, and the group is written again by the careful path:
   * INSERT ... ON CONFLICT DO NOTHING (which skips what is already there) and late-ping rows.
   */
  async insertPings(batches: readonly PingBatch[], windowIds: number[], grid: TimeGrid): Promise<Set<number>> {
    const { windowSeconds } = grid;
    // Inlined into SQL text (registerWindowsSql): only integers may get there.
    if (!Number.isSafeInteger(windowSeconds) || !windowIds.every(Number.isSafeInteger))
      throw new RangeError('window ids and length must be integers');
    await this.ensurePartitionsFor(batches);
    let late: Set<number>;
    try {
      const guard = windowIds.length
        ? `${guardSql(windowIds, windowSeconds, !windowIds.every((id) => this.knownWindows.has(id)))};`
        : '';
      const tuples = Buffer.concat([PING_COPY_HEADER, ...batches.map((b) => b.copyTuples), PING_COPY_TRAILER]);
      const query = new CopyWithRowsQuery(
        `BEGIN; ${guard} COPY pings ${PING_COPY_COLUMNS} FROM STDIN (FORMAT binary); COMMIT`,
        tuples,
      );
      await this.onConnection((c) => {
        void c.query(query);
        return query.done;
      });
      late = new Set();
    } catch (err) {
      if (!takesCarefulPath(err)) throw err;
      late = await this.onConnection((c) => insertCarefully(c, allRows(batches), windowIds, grid));
    }
    if (this.knownWindows.size > MAX_KNOWN_WINDOWS) this.knownWindows.clear();
    for (const id of windowIds) this.knownWindows.add(id);
    return late;
  }

  /** Runs `work` on a connection of TypeORM's pool; rolls back what it left open if it fails. */
  private async onConnection<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await ((this.db.driver as PostgresDriver).master as pg.Pool).connect();
    let broken: Error | undefined;
    // A connection lost while checked out says so with an 'error' event: unheard, it would end the process.
    const onError = (e: Error) => (broken = e);
    client.on('error', onError);
    try {
      return await work(client);
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      // A lost connection, or one that cannot even roll back, leaves the pool (release(err) destroys it).
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/** The careful path's transaction (see insertPings): answers the windows that were already traced. */
async function insertCarefully(
  c: pg.PoolClient,
  all: PingColumns,
  windowIds: number[],
  grid: TimeGrid,
): Promise<Set<number>> {
  const [, windows] = (await c.query(`BEGIN; ${windowsSql(windowIds, grid.windowSeconds)}`)) as unknown as [
    pg.QueryResult,
    pg.QueryResult<{ id: string }>,
  ];
  const fine = all.positions.map((p, i) => finePosition(p, all.cells[i].length));
  await c.query(INSERT_SQL, [
    all.userIds,
    all.tsMs,
    all.cells,
    fine.map((f) => f && Math.round(f.lat * POSITION_SCALE)),
    fine.map((f) => f && Math.round(f.lon * POSITION_SCALE)),
    fine.map((f) => f && f.len),
    all.accuracies,
  ]);
  const late = new Set(windows.rows.map((r) => Number(r.id)));
  // Rare (only late pings get here), so the common commit pays nothing for it.
  if (late.size) {
    const rows = latePingRows(all, late, grid);
    await c.query(LATE_PINGS_SQL, [rows.windowIds, rows.userIds, rows.tsMs]);
  }
  await c.query('COMMIT');
  return late;
}

/**
 * Each ping under every late window it can change (windowsAffectedByPing: its own and, in an edge
 * slot, the neighbour its source role reaches). A ping repeated in the group repeats its rows:
 * the insert's ON CONFLICT DO NOTHING absorbs them.
 */
function latePingRows(
  all: PingColumns,
  late: Set<number>,
  grid: TimeGrid,
): { windowIds: number[]; userIds: string[]; tsMs: number[] } {
  const out = { windowIds: [] as number[], userIds: [] as string[], tsMs: [] as number[] };
  for (let i = 0; i < all.tsMs.length; i++) {
    for (const w of windowsAffectedByPing(all.tsMs[i], grid)) {
      if (!late.has(w)) continue;
      out.windowIds.push(w);
      out.userIds.push(all.userIds[i]);
      out.tsMs.push(all.tsMs[i]);
    }
  }
  return out;
}

/** The rows of several batches as one set of columns. */
function allRows(batches: readonly PingBatch[]): PingColumns {
  const all: PingColumns = { userIds: [], tsMs: [], cells: [], positions: [], accuracies: [] };
  for (const { rows } of batches) {
    for (let i = 0; i < rows.tsMs.length; i++) {
      all.userIds.push(rows.userIds[i]);
      all.tsMs.push(rows.tsMs[i]);
      all.cells.push(rows.cells[i]);
      all.positions.push(rows.positions[i]);
      all.accuracies.push(rows.accuracies[i]);
    }
  }
  return all;
}
