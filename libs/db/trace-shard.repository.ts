import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SearchRange, ShardRange } from '#libs/domain/index.js';
import { contactHitsCte, contactHitsParams, PAIRS_OF_HITS_SQL } from './contact.sql.js';
import { isDistributed } from './distribution.js';
import { type Db, queryRows } from './sql.js';

/** Where a shard looks for contacts (CONTACT_HITS_SQL's inputs): its search ranges, in the window, within the radius. */
export interface ContactSearch {
  ranges: SearchRange[];
  slotSeconds: number;
  window: { fromMs: number; toMs: number };
  radiusMeters: number;
}

export interface ShardRow extends ShardRange {
  shard: number;
  done: boolean;
  durationMs: number | null;
}

/**
 * The shard plan of a window generation and each shard's partial evidence. Writes are keyed by
 * (window, generation, shard), so a repeated or crashed shard job rewrites the same rows.
 */
@Injectable()
export class TraceShardRepository {
  constructor(private readonly db: DataSource) {}

  /** Stores the plan unless one exists (a re-planned retry keeps the first); returns the stored plan. */
  async savePlan(windowId: number, generation: number, ranges: ShardRange[]): Promise<ShardRow[]> {
    if (ranges.length) {
      await queryRows(
        this.db,
        `INSERT INTO trace_shards (window_id, generation, shard, cell_from, cell_to, source_pings)
         SELECT $1, $2, n - 1, f, t, c FROM unnest($3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS r(f, t, c, n)
         ON CONFLICT DO NOTHING`,
        [windowId, generation, ranges.map((r) => r.from), ranges.map((r) => r.to), ranges.map((r) => r.sourcePings)],
      );
    }
    return this.plan(windowId, generation);
  }

  async plan(windowId: number, generation: number): Promise<ShardRow[]> {
    const rows = await queryRows(
      this.db,
      `SELECT shard, cell_from AS "from", cell_to AS "to", source_pings AS "sourcePings", done, duration_ms AS "durationMs"
       FROM trace_shards WHERE window_id = $1 AND generation = $2 ORDER BY shard`,
      [windowId, generation],
    );
    return rows as ShardRow[];
  }

  async shard(windowId: number, generation: number, shard: number): Promise<ShardRow | null> {
    return (await this.plan(windowId, generation)).find((s) => s.shard === shard) ?? null;
  }

  /**
   * One transaction: the pairs the shard's search ranges find replace any earlier attempt's, and
   * the shard is done. The hits are matched, paired and stored inside Postgres (one statement), so
   * however many a shard finds, none of them travels to the app. Returns how many pairs were stored.
   */
  async saveMatches(
    key: { windowId: number; generation: number; shard: number },
    search: ContactSearch,
    startedAtMs: number,
  ): Promise<number> {
    const { windowId, generation, shard } = key;
    return this.db.transaction(async (tx) => {
      await queryRows(tx, 'DELETE FROM trace_pairs WHERE window_id = $1 AND generation = $2 AND shard = $3', [
        windowId,
        generation,
        shard,
      ]);
      let pairs = 0;
      if (search.ranges.length) {
        const distributed = await isDistributed(tx);
        const { ranges, slotSeconds, window, radiusMeters } = search;
        const args = contactHitsParams(ranges, slotSeconds, window, radiusMeters, distributed);
        const at = args.length;
        const [row] = await queryRows<{ pairs: number }>(
          tx,
          `WITH ${contactHitsCte(distributed)},
           pairs AS (${PAIRS_OF_HITS_SQL}),
           stored AS (
             INSERT INTO trace_pairs (window_id, generation, shard, contact_id, source_id, slots, cells, meters, seconds_apart)
             SELECT $${at + 1}::bigint, $${at + 2}::int, $${at + 3}::int, contact_id, source_id, slots, cells,
                    closest[1], round(closest[2])
             FROM pairs
             RETURNING 1)
           SELECT count(*)::int AS pairs FROM stored`,
          [...args, windowId, generation, shard],
        );
        pairs = row.pairs;
      }
      await queryRows(
        tx,
        'UPDATE trace_shards SET done = true, pairs = $4, duration_ms = $5 WHERE window_id = $1 AND generation = $2 AND shard = $3',
        [windowId, generation, shard, pairs, Date.now() - startedAtMs],
      );
      return pairs;
    });
  }

  /** Drops the plans and partial evidence of this generation and older ones (its result is stored). */
  async clear(tx: Db, windowId: number, generation: number): Promise<void> {
    await queryRows(tx, 'DELETE FROM trace_shards WHERE window_id = $1 AND generation <= $2', [windowId, generation]);
  }
}
