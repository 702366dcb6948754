import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PartialPair, ShardRange } from '#libs/domain/index.js';
import { arrayLiteral, type Db, queryRows } from './sql.js';

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

  /** One transaction: the shard's pairs replace any earlier attempt's, and the shard is done. */
  async saveResult(
    windowId: number,
    generation: number,
    shard: number,
    pairs: PartialPair[],
    durationMs: number,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await queryRows(tx, 'DELETE FROM trace_pairs WHERE window_id = $1 AND generation = $2 AND shard = $3', [
        windowId,
        generation,
        shard,
      ]);
      if (pairs.length) {
        await queryRows(
          tx,
          `INSERT INTO trace_pairs (window_id, generation, shard, contact_id, source_id, slots, cells, meters, seconds_apart)
           SELECT $1, $2, $3, c, s, sl::bigint[], ce::text[], m, sa
           FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::real[], $9::int[]) AS t(c, s, sl, ce, m, sa)`,
          [
            windowId,
            generation,
            shard,
            pairs.map((p) => p.contactId),
            pairs.map((p) => p.sourceId),
            pairs.map((p) => arrayLiteral(p.slots)),
            pairs.map((p) => arrayLiteral(p.cells)),
            pairs.map((p) => p.closest.meters),
            pairs.map((p) => Math.round(p.closest.secondsApart)),
          ],
        );
      }
      await queryRows(
        tx,
        'UPDATE trace_shards SET done = true, pairs = $4, duration_ms = $5 WHERE window_id = $1 AND generation = $2 AND shard = $3',
        [windowId, generation, shard, pairs.length, durationMs],
      );
    });
  }

  /** Drops the plans and partial evidence of this generation and older ones (its result is stored). */
  async clear(tx: Db, windowId: number, generation: number): Promise<void> {
    await queryRows(tx, 'DELETE FROM trace_shards WHERE window_id = $1 AND generation <= $2', [windowId, generation]);
  }
}
