import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOCK_NOT_AVAILABLE, hasSqlState, queryRows } from './sql.js';

export interface PingPartition {
  name: string;
  /** UTC day it holds (YYYY-MM-DD). */
  day: string;
}

/** The day partitions of `pings`: created ahead and on demand, dropped whole past the retention. */
@Injectable()
export class PingPartitionRepository {
  constructor(private readonly db: DataSource) {}

  async ensurePartitions(days: string[]): Promise<void> {
    if (days.length)
      await queryRows(this.db, 'SELECT hc_ensure_ping_partition(d::date) FROM unnest($1::text[]) d', [days]);
  }

  async listPartitions(): Promise<PingPartition[]> {
    const rows = await queryRows<{ name: string }>(
      this.db,
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'pings'::regclass ORDER BY c.relname`,
    );
    return rows
      .map((r) => ({ name: r.name, m: /^pings_(\d{4})(\d{2})(\d{2})$/.exec(r.name) }))
      .filter((r) => r.m)
      .map((r) => ({ name: r.name, day: `${r.m![1]}-${r.m![2]}-${r.m![3]}` }));
  }

  /**
   * Drops a whole partition: no row-by-row DELETE, no table bloat. The app role does not own the
   * table, so a SECURITY DEFINER function drops it (and refuses anything but a ping partition).
   * False when it was not dropped because pings stayed in use: the drop needs pings to itself and
   * gives up after a second (the function's lock_timeout) rather than hold every reader and
   * writer behind it.
   */
  async dropPartition(name: string): Promise<boolean> {
    if (!/^pings_\d{8}$/.test(name)) throw new Error(`not a ping partition: ${name}`);
    try {
      await queryRows(this.db, 'SELECT hc_drop_ping_partition($1)', [name]);
      return true;
    } catch (err) {
      if (hasSqlState(err, LOCK_NOT_AVAILABLE)) return false;
      throw err;
    }
  }

  /**
   * Blanks where and how close the contacts of windows ended before `cutoffMs` were: location
   * evidence must not outlive the pings it was drawn from. The exposure seconds and the requests
   * stay (they are decisions, not locations). Answers how many pairs were blanked.
   */
  async blankEvidenceBefore(cutoffMs: number): Promise<number> {
    const rows = await queryRows<{ n: number }>(
      this.db,
      `WITH blanked AS (
         UPDATE exposures e SET cells = '{}', slots = '{}', meters = NULL, seconds_apart = NULL
         FROM windows w
         WHERE w.id = e.window_id AND w.ends_at <= to_timestamp($1 / 1000.0)
           AND (cardinality(e.cells) > 0 OR cardinality(e.slots) > 0 OR e.meters IS NOT NULL)
         RETURNING 1)
       SELECT count(*)::int AS n FROM blanked`,
      [cutoffMs],
    );
    return rows[0].n;
  }
}
