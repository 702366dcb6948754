import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

export interface RetroTraceRow {
  id: string;
  userId: string;
  firstWindow: number;
  lastWindow: number;
  nextWindow: number;
  status: 'pending' | 'done' | 'failed';
  windowsTraced: number;
}

const COLUMNS = `id::text, user_id::text AS "userId", first_window::float8 AS "firstWindow", last_window::float8 AS "lastWindow",
  next_window::float8 AS "nextWindow", status, windows_traced AS "windowsTraced"`;

const fromRaw = (r: RetroTraceRow): RetroTraceRow => ({
  ...r,
  firstWindow: Number(r.firstWindow),
  lastWindow: Number(r.lastWindow),
  nextWindow: Number(r.nextWindow),
});

/** Retro-trace work items: one person, a range of windows, and how far the trace got. */
@Injectable()
export class RetroTraceRepository {
  constructor(private readonly db: DataSource) {}

  async create(tx: Db, userId: string, firstWindow: number, lastWindow: number): Promise<string> {
    const [row] = await queryRows(
      tx,
      `INSERT INTO retro_traces (user_id, first_window, last_window, next_window) VALUES ($1, $2, $3, $2) RETURNING id::text`,
      [userId, firstWindow, lastWindow],
    );
    return row.id;
  }

  async find(id: string): Promise<RetroTraceRow | null> {
    const [row] = await queryRows(this.db, `SELECT ${COLUMNS} FROM retro_traces WHERE id = $1`, [id]);
    return row ? fromRaw(row) : null;
  }

  /** Unfinished items, oldest first (the reconciler queues them again). */
  async pendingIds(limit: number): Promise<string[]> {
    const rows = await queryRows(
      this.db,
      `SELECT id::text FROM retro_traces WHERE status = 'pending' ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Moves past a window, in the transaction that merged its result (or alone for a skipped one). */
  async advance(tx: Db, id: string, pastWindow: number, traced: boolean): Promise<void> {
    await queryRows(
      tx,
      `UPDATE retro_traces SET next_window = GREATEST(next_window, $2 + 1), windows_traced = windows_traced + $3::int
       WHERE id = $1 AND status = 'pending' AND next_window <= $2`,
      [id, pastWindow, traced ? 1 : 0],
    );
  }

  async finish(id: string, status: 'done' | 'failed', error: string | null = null): Promise<void> {
    await queryRows(
      this.db,
      `UPDATE retro_traces SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status = 'pending'`,
      [id, status, error?.slice(0, 1000) ?? null],
    );
  }
}
