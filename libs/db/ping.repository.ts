import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, type EntityManager } from 'typeorm';
import type { TimeGrid } from '#libs/domain/index.js';
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
   * and ts) is skipped. `windowIds` are the windows whose trace these pings can change
   * (windowsAffectedByPing). Returns those already traced (or being traced): their pings are late,
   * and are recorded for the window's late-ping pass in the same transaction.
   *
   * Optimistic: the rows go in with COPY (about a third of the database's work of an INSERT from
   * arrays). A retried batch (or a ping repeated within the group) makes COPY hit the primary key
   * and abort; the group is then written again with INSERT ... ON CONFLICT DO NOTHING, which
   * skips what is already there.
   */
  async insertPings(p: PingColumns, windowIds: number[], grid: TimeGrid): Promise<Set<number>> {
    await this.ensurePartitionsFor(p.tsMs);
    try {
      return await this.db.transaction(async (tx) => {
        await copyPings(tx, p);
        return this.registerWindows(tx, p, windowIds, grid);
      });
    } catch (err) {
      if (!RETRY_WITH_INSERT.has((err as { code?: string }).code ?? '')) throw err;
      return this.db.transaction(async (tx) => {
        await queryRows(tx,
          `INSERT INTO pings (user_id, ts, cell)
           SELECT u, to_timestamp(ms / 1000.0), c FROM unnest($1::bigint[], $2::float8[], $3::text[]) AS t(u, ms, c)
           ORDER BY 1, 2 -- one lock order for concurrent writers: no deadlock between them
           ON CONFLICT DO NOTHING`,
          [p.userIds, p.tsMs, p.cells],
        );
        return this.registerWindows(tx, p, windowIds, grid);
      });
    }
  }

  /** Registers the windows of the pings; returns those already traced and records their late pings. */
  private async registerWindows(tx: EntityManager, p: PingColumns, windowIds: number[], grid: TimeGrid): Promise<Set<number>> {
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
      [windowIds, grid.windowSeconds],
    );
    const lateIds = late.map((r) => Number(r.id));
    // Rare (only late pings get here), so the common commit pays nothing for it.
    if (lateIds.length) {
      await queryRows(tx,
        `INSERT INTO pending_late_pings (window_id, user_id, ts)
         SELECT DISTINCT a.w, t.u, to_timestamp(t.ms / 1000.0)
         FROM unnest($1::bigint[], $2::float8[]) AS t(u, ms)
         CROSS JOIN LATERAL (VALUES (floor((t.ms - $4) / $5)), (floor(t.ms / $5)), (floor((t.ms + $4) / $5))) AS a(w)
         WHERE a.w = ANY($3::bigint[])
         ORDER BY 1, 2, 3
         ON CONFLICT DO NOTHING`,
        [p.userIds, p.tsMs, lateIds, grid.slotSeconds * 1000, grid.windowSeconds * 1000],
      );
    }
    return new Set(lateIds);
  }
}

// unique_violation (a retried ping) and deadlock_detected (two groups holding each other's keys).
const RETRY_WITH_INSERT = new Set(['23505', '40P01']);

/** COPY ... FROM STDIN on the transaction's own connection. Cells are base32: no escaping needed. */
async function copyPings(tx: EntityManager, p: PingColumns): Promise<void> {
  const client = (tx.queryRunner as unknown as { databaseConnection: { query: (s: unknown) => NodeJS.WritableStream } }).databaseConnection;
  let text = '';
  for (let i = 0; i < p.tsMs.length; i++) text += `${p.userIds[i]}\t${new Date(p.tsMs[i]!).toISOString()}\t${p.cells[i]}\n`;
  await pipeline(Readable.from([text]), client.query(copyFrom('COPY pings (user_id, ts, cell) FROM STDIN')));
}
