import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PingPartitionRepository } from './ping-partition.repository.js';
import { utcDays } from './partitions.js';
import { queryRows } from './sql.js';

/** Pings of one accepted batch, as parallel arrays (the shape `unnest` wants). */
export interface PingColumns {
  userIds: string[];
  tsMs: number[];
  cells: string[];
}

@Injectable()
export class PingRepository {
  private readonly knownDays = new Set<string>();

  constructor(private readonly db: DataSource, private readonly partitions: PingPartitionRepository) {}

  /** Creates missing day partitions for these times (remembered per process: one check a day). */
  async ensurePartitionsFor(tsMs: number[]): Promise<void> {
    const missing = utcDays(tsMs).filter((d) => !this.knownDays.has(d));
    if (!missing.length) return;
    await this.partitions.ensurePartitions(missing);
    missing.forEach((d) => this.knownDays.add(d));
  }

  /**
   * Appends pings and registers their windows in one transaction; a ping already stored (same user
   * and ts) is skipped. Returns the ids of windows that were already traced (their pings are late).
   */
  async insertPings(p: PingColumns, windowIds: number[], windowSeconds: number): Promise<Set<number>> {
    await this.ensurePartitionsFor(p.tsMs);
    return this.db.transaction(async (tx) => {
      await queryRows(tx, 
        `INSERT INTO pings (user_id, ts, cell)
         SELECT u, to_timestamp(ms / 1000.0), c FROM unnest($1::bigint[], $2::float8[], $3::text[]) AS t(u, ms, c)
         ORDER BY 1, 2 -- one lock order for concurrent writers: no deadlock between them
         ON CONFLICT DO NOTHING`,
        [p.userIds, p.tsMs, p.cells],
      );
      const late: { id: string }[] = await queryRows(tx, 
        `WITH w AS (SELECT DISTINCT unnest($1::bigint[]) AS id ORDER BY 1),
         ins AS (
           INSERT INTO windows (id, starts_at, ends_at)
           SELECT id, to_timestamp(id * $2), to_timestamp((id + 1) * $2) FROM w
           ON CONFLICT (id) DO NOTHING
         )
         UPDATE windows SET late_pings = true, updated_at = now() FROM w
         WHERE windows.id = w.id AND windows.status IN ('processing', 'done', 'failed')
         RETURNING windows.id`,
        [windowIds, windowSeconds],
      );
      return new Set(late.map((r) => Number(r.id)));
    });
  }
}
