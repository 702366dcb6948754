import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { positionArea, type Area } from '#libs/geo/index.js';
import { POSITION_SCALE } from './ping-copy-rows.js';
import { epochMs, type Db, queryRows } from './sql.js';

/** A late ping waiting for its window's late-ping pass, with what the pass needs to know of it. */
export interface PendingLatePing {
  seq: number;
  userId: string;
  tsMs: number;
  cell: string;
  area: Area;
  /** The sender is red and infectious at the ping's time (so it is also a source ping). */
  isSource: boolean;
}

/**
 * Late pings recorded by ingest, per window whose trace they can change (pending_late_pings).
 * A pass takes all of a window's rows at once and deletes the ones it merged.
 */
@Injectable()
export class LatePingRepository {
  constructor(private readonly db: DataSource) {}

  /** Traced windows with late pings waiting, oldest first, each with its newest row (for a job id). */
  async windowsToPass(limit: number): Promise<{ windowId: number; generation: number; upToSeq: number }[]> {
    const rows = await queryRows(
      this.db,
      `SELECT w.id::float8 AS "windowId", w.generation, coalesce(max(l.seq), 0)::float8 AS "upToSeq"
       FROM windows w LEFT JOIN pending_late_pings l ON l.window_id = w.id
       WHERE w.status = 'done' AND (w.late_pings OR w.id IN (SELECT window_id FROM pending_late_pings))
       GROUP BY w.id ORDER BY w.id LIMIT $1`,
      [limit],
    );
    return rows.map((r: { windowId: number; generation: number; upToSeq: number }) => ({
      windowId: Number(r.windowId),
      generation: r.generation,
      upToSeq: Number(r.upToSeq),
    }));
  }

  /** Every late ping waiting for this window (a ping whose partition retention dropped is gone). */
  async pending(windowId: number): Promise<PendingLatePing[]> {
    const rows = await queryRows(
      this.db,
      `SELECT l.seq::float8 AS seq, l.user_id::text AS "userId", ${epochMs('l.ts')} AS "tsMs", p.cell,
              p.pos_lat / ${POSITION_SCALE}.0 AS lat, p.pos_lon / ${POSITION_SCALE}.0 AS lon, p.pos_len AS len,
              p.pos_acc AS accuracy,
              coalesce(h.color = 'red' AND l.ts >= h.infectious_from, false) AS "isSource"
       FROM pending_late_pings l
       JOIN pings p ON p.user_id = l.user_id AND p.ts = l.ts
       LEFT JOIN health_codes h ON h.user_id = l.user_id
       WHERE l.window_id = $1 ORDER BY l.seq`,
      [windowId],
    );
    return rows.map(
      ({
        lat,
        lon,
        len,
        accuracy,
        ...r
      }: Omit<PendingLatePing, 'area'> & {
        lat: number;
        lon: number;
        len: number | null;
        accuracy: number | null;
      }) => ({
        ...r,
        seq: Number(r.seq),
        tsMs: Number(r.tsMs),
        area: positionArea(r.cell, len === null ? null : { lat, lon, len }, accuracy ?? 0),
      }),
    );
  }

  /**
   * Deletes the rows a pass merged (seq <= upToSeq) and leaves the window's mark set only while
   * rows remain. The caller holds the window's row lock, which ingest's marking waits for.
   */
  async consume(tx: Db, windowId: number, upToSeq: number): Promise<void> {
    await queryRows(tx, 'DELETE FROM pending_late_pings WHERE window_id = $1 AND seq <= $2', [windowId, upToSeq]);
    await queryRows(
      tx,
      `UPDATE windows SET late_pings = EXISTS (SELECT 1 FROM pending_late_pings WHERE window_id = $1), updated_at = now() WHERE id = $1`,
      [windowId],
    );
  }
}
