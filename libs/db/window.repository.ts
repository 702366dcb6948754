import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

export const WINDOW_STATUSES = ['open', 'closing', 'processing', 'done', 'failed'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

export interface WindowRow {
  id: number;
  startsAtMs: number;
  endsAtMs: number;
  status: WindowStatus;
  generation: number;
  latePings: boolean;
  stats: Record<string, unknown>;
}

const COLUMNS = `id::float8 AS id, starts_at AS "startsAt", ends_at AS "endsAt", status, generation,
  late_pings AS "latePings", stats`;

const fromRaw = (r: Omit<WindowRow, 'startsAtMs' | 'endsAtMs'> & { startsAt: Date; endsAt: Date }): WindowRow => ({
  id: Number(r.id),
  startsAtMs: r.startsAt.getTime(),
  endsAtMs: r.endsAt.getTime(),
  status: r.status,
  generation: r.generation,
  latePings: r.latePings,
  stats: r.stats,
});

@Injectable()
export class WindowRepository {
  constructor(private readonly db: DataSource) {}

  /** Registers the windows of a range (bounded by the caller) so that every window is accounted for. */
  async ensureWindows(fromId: number, toId: number, windowSeconds: number): Promise<void> {
    if (toId < fromId) return;
    await queryRows(
      this.db,
      `INSERT INTO windows (id, starts_at, ends_at)
       SELECT id, to_timestamp(id * $3), to_timestamp((id + 1) * $3) FROM generate_series($1::bigint, $2::bigint) id
       ON CONFLICT (id) DO NOTHING`,
      [fromId, toId, windowSeconds],
    );
  }

  async newestWindowId(): Promise<number | null> {
    const [row] = await queryRows(this.db, 'SELECT max(id)::float8 AS id FROM windows');
    return row.id === null ? null : Number(row.id);
  }

  /**
   * Closed windows that need a trace job, oldest first, marked `closing`. A window never traced
   * gets a new generation; one already queued keeps its generation, so re-enqueueing it (after
   * Redis lost the job) reuses the same job id. Late pings of a traced window do not re-trace it
   * whole: the late-ping pass merges them (LatePingRepository).
   */
  async queueClosedWindows(lastClosedId: number, limit: number): Promise<{ id: number; generation: number }[]> {
    const rows = await queryRows(
      this.db,
      `UPDATE windows w SET
         generation = CASE WHEN w.status IN ('open', 'done') THEN w.generation + 1 ELSE w.generation END,
         status = CASE WHEN w.status IN ('open', 'done') THEN 'closing' ELSE w.status END,
         updated_at = now()
       FROM (
         SELECT id FROM windows
         WHERE id <= $1 AND status IN ('open', 'closing', 'processing')
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
       ) due
       WHERE w.id = due.id
       RETURNING w.id::float8 AS id, w.generation`,
      [lastClosedId, limit],
    );
    return rows
      .map((r: { id: number; generation: number }) => ({ id: Number(r.id), generation: r.generation }))
      .sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  }

  async findWindow(id: number): Promise<WindowRow | null> {
    const [row] = await queryRows(this.db, `SELECT ${COLUMNS} FROM windows WHERE id = $1`, [id]);
    return row ? fromRaw(row) : null;
  }

  async findWindows(ids: number[]): Promise<WindowRow[]> {
    const rows = await queryRows(this.db, `SELECT ${COLUMNS} FROM windows WHERE id = ANY($1::bigint[]) ORDER BY id`, [
      ids,
    ]);
    return rows.map(fromRaw);
  }

  /** A page, newest first: the id is the cursor, so a page never repeats or skips a window. */
  async listWindows(filter: { status?: WindowStatus; beforeId?: number }, limit: number): Promise<WindowRow[]> {
    const rows = await queryRows(
      this.db,
      `SELECT ${COLUMNS} FROM windows
       WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [filter.status ?? null, filter.beforeId ?? null, limit],
    );
    return rows.map(fromRaw);
  }

  /**
   * Queues a window whose tracing is over (`statuses`) for another trace: a new generation, so
   * the job gets a new id, and status `closing`, so the reconciler re-enqueues it if the job is
   * lost. Null when the window is unknown or not in one of `statuses`.
   */
  async requeueWindow(
    tx: Db,
    id: number,
    statuses: readonly string[],
  ): Promise<{ id: number; generation: number; previousStatus: WindowStatus } | null> {
    const [row] = await queryRows(
      tx,
      `WITH old AS (SELECT id, status FROM windows WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE)
       UPDATE windows w SET generation = w.generation + 1, status = 'closing', updated_at = now()
       FROM old WHERE w.id = old.id
       RETURNING w.id::float8 AS id, w.generation, old.status AS "previousStatus"`,
      [id, statuses],
    );
    return row ? { id: Number(row.id), generation: row.generation, previousStatus: row.previousStatus } : null;
  }

  /** Takes a window for tracing; null when the job is stale (a newer generation exists, or done). */
  async claimWindow(id: number, generation: number): Promise<WindowRow | null> {
    const [row] = await queryRows(
      this.db,
      `UPDATE windows SET status = 'processing', attempts = attempts + 1, updated_at = now(),
         -- Pings arriving once the trace started need a late-ping pass: only a fresh start clears the mark
         -- (their rows in pending_late_pings stay, and the pass after this trace merges them, harmlessly).
         late_pings = CASE WHEN status = 'processing' THEN late_pings ELSE false END
       WHERE id = $1 AND generation = $2 AND status IN ('closing', 'processing', 'failed')
       RETURNING ${COLUMNS}`,
      [id, generation],
    );
    return row ? fromRaw(row) : null;
  }

  /** The window while this generation traces it; null once it is stale (newer generation, or done). */
  async processingWindow(id: number, generation: number): Promise<WindowRow | null> {
    const [row] = await queryRows(
      this.db,
      `SELECT ${COLUMNS} FROM windows WHERE id = $1 AND generation = $2 AND status = 'processing'`,
      [id, generation],
    );
    return row ? fromRaw(row) : null;
  }

  /**
   * Marks the window done, if this generation still traces it. The times are the statement's
   * (clock_timestamp), not its transaction's start: the caller's transaction wrote the window's
   * requests and codes first.
   */
  async finishWindow(tx: Db, id: number, generation: number, stats: Record<string, unknown>): Promise<boolean> {
    const rows = await queryRows(
      tx,
      `UPDATE windows SET status = 'done', stats = $3, error = NULL, traced_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE id = $1 AND generation = $2 AND status = 'processing' RETURNING id`,
      [id, generation, JSON.stringify(stats)],
    );
    return rows.length === 1;
  }

  async failWindow(id: number, generation: number, error: string): Promise<void> {
    await queryRows(
      this.db,
      `UPDATE windows SET status = 'failed', error = $3, updated_at = now()
       WHERE id = $1 AND generation = $2 AND status = 'processing'`,
      [id, generation, error.slice(0, 1000)],
    );
  }

  /**
   * The oldest closed window (id <= lastClosedId) not fully traced, or null when every one is:
   * not done, late pings waiting for their pass, or a retro-trace that has not reached it yet.
   * `tracedUntil` is that window's start.
   */
  async firstUntracedWindowId(lastClosedId: number): Promise<number | null> {
    const [row] = await queryRows(
      this.db,
      `SELECT LEAST(
         (SELECT min(id) FROM windows WHERE id <= $1 AND (status <> 'done' OR late_pings)),
         (SELECT min(window_id) FROM pending_late_pings WHERE window_id <= $1),
         (SELECT min(next_window) FROM retro_traces WHERE status = 'pending' AND next_window <= LEAST(last_window, $1))
       )::float8 AS id`,
      [lastClosedId],
    );
    return row.id === null ? null : Number(row.id);
  }

  /**
   * Locks a traced window for merging more evidence into it (late pings, a retro-trace); null
   * unless it is `done`. A rerun (requeueWindow) waits for the lock, and a trace of the window
   * cannot be combining while it is done, so merges and full traces never interleave.
   */
  async lockDoneWindow(tx: Db, id: number): Promise<WindowRow | null> {
    const [row] = await queryRows(tx, `SELECT ${COLUMNS} FROM windows WHERE id = $1 AND status = 'done' FOR UPDATE`, [
      id,
    ]);
    return row ? fromRaw(row) : null;
  }

  /** Adds a merge pass to the window's statistics (`latePasses`/`retroPasses` and what they merged). */
  async recordPass(tx: Db, id: number, counters: Record<string, number>): Promise<void> {
    if (!Object.keys(counters).length) return;
    await queryRows(
      tx,
      `UPDATE windows SET stats = stats || (
         SELECT jsonb_object_agg(k, coalesce((stats ->> k)::numeric, 0) + v::numeric) FROM jsonb_each_text($2::jsonb) AS e(k, v)
       ), updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(counters)],
    );
  }

  /** The next registered window from `fromId` to `toId` (the windows a retro-trace walks). */
  async nextWindowBetween(fromId: number, toId: number): Promise<WindowRow | null> {
    const [row] = await queryRows(
      this.db,
      `SELECT ${COLUMNS} FROM windows WHERE id >= $1 AND id <= $2 ORDER BY id LIMIT 1`,
      [fromId, toId],
    );
    return row ? fromRaw(row) : null;
  }
}
