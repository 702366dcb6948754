import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  PairExposure,
  PartialPair,
  PrefixCount,
  SearchRange,
  SourcePing,
  SourceSearchRange,
} from '#libs/domain/index.js';
import { arrayLiteral, epochMs, type Db, queryJsonRows, queryRows, slotOfSql } from './sql.js';

/** A contact ping found in a search range: who, where, in which slot, near which source cell. */
export interface ContactHit {
  sourceId: string;
  sourceCell: string;
  contactId: string;
  contactCell: string;
  slot: number;
}

/** Cells c with from <= c < to. */
export interface CellRange {
  from: string;
  to: string;
}

// Pings of people who are red and infectious at the ping's time, in [$1, $2) ms. Driven by the
// small partial index of red codes, then the pings primary key (user_id, ts): one index range
// per red person, in the partitions of those days only.
const SOURCE_PINGS = `
  FROM health_codes h
  JOIN pings p ON p.user_id = h.user_id
   AND p.ts >= to_timestamp($1 / 1000.0) AND p.ts < to_timestamp($2 / 1000.0)
   AND p.ts >= h.infectious_from
  WHERE h.color = 'red'`;

/** Source pings as JSON (one native parse, where pg decodes each row and field: thousands in a window's trace). */
const sourcePingsSql = (where: string) =>
  `SELECT json_agg(json_build_object('sourceId', p.user_id::text, 'tsMs', ${epochMs('p.ts')}, 'cell', p.cell)) AS rows ${SOURCE_PINGS} AND ${where}`;

@Injectable()
export class TracingRepository {
  constructor(private readonly db: DataSource) {}

  /** Source pings in [fromMs, toMs) counted per cell prefix: what the shard planner needs. */
  async sourcePrefixCounts(fromMs: number, toMs: number, prefixLength: number): Promise<PrefixCount[]> {
    const rows = await queryRows(
      this.db,
      `SELECT left(p.cell, $3) AS prefix, count(*)::int AS pings ${SOURCE_PINGS} GROUP BY 1`,
      [fromMs, toMs, prefixLength],
    );
    return rows.map((r: PrefixCount) => ({ prefix: r.prefix, pings: r.pings }));
  }

  /** Source pings in [fromMs, toMs) whose cell lies in the range. */
  async findSourcePings(fromMs: number, toMs: number, cells: CellRange): Promise<SourcePing[]> {
    return queryJsonRows<SourcePing>(this.db, sourcePingsSql('p.cell >= $3 AND p.cell < $4'), [
      fromMs,
      toMs,
      cells.from,
      cells.to,
    ]);
  }

  /** One person's source pings in [fromMs, toMs) (none unless red and infectious then): a retro-trace's sources. */
  async findSourcePingsOf(userId: string, fromMs: number, toMs: number): Promise<SourcePing[]> {
    return queryJsonRows<SourcePing>(this.db, sourcePingsSql('h.user_id = $3'), [fromMs, toMs, userId]);
  }

  /**
   * The reverse match, for a few contact pings (late ones): source pings (red and infectious at
   * their time) in each range, one probe of the (cell, ts) index per range. The slot is the
   * contact's, as exposure counts the contact's slots.
   */
  async findSourcesNear(ranges: SourceSearchRange[]): Promise<ContactHit[]> {
    if (!ranges.length) return [];
    const rows = await queryRows(
      this.db,
      `SELECT DISTINCT p.user_id::text AS "sourceId", p.cell AS "sourceCell", r.contact_id::text AS "contactId",
              r.contact_cell AS "contactCell", r.slot
       FROM unnest($1::text[], $2::float8[], $3::float8[], $4::bigint[], $5::text[], $6::float8[])
            AS r(cell, from_ms, to_ms, contact_id, contact_cell, slot)
       JOIN pings p ON p.cell = r.cell
        AND p.ts >= to_timestamp(r.from_ms / 1000.0) AND p.ts < to_timestamp(r.to_ms / 1000.0)
       JOIN health_codes h ON h.user_id = p.user_id AND h.color = 'red' AND p.ts >= h.infectious_from
       WHERE p.user_id <> r.contact_id`,
      [
        ranges.map((r) => r.cell),
        ranges.map((r) => r.fromMs),
        ranges.map((r) => r.toMs),
        ranges.map((r) => r.contactId),
        ranges.map((r) => r.contactCell),
        ranges.map((r) => r.slot),
      ],
    );
    return rows.map((r: ContactHit) => ({ ...r, slot: Number(r.slot) }));
  }

  /**
   * Set-based match: one probe of the (cell, ts) index per search range, all in one statement.
   * With the ranges clipped to one window, the planner prunes to that window's day partition(s).
   * Plan on 2M pings (EXPLAIN, PostgreSQL 15):
   *   HashAggregate
   *     -> Nested Loop
   *          -> Function Scan on unnest r
   *          -> Index Scan using pings_<day>_cell_ts_idx on pings_<day> p
   *               Index Cond: ((cell = r.cell) AND (ts >= to_timestamp(..r.from_ms..)) AND (ts < to_timestamp(..r.to_ms..)))
   *               Filter: (user_id <> r.source_id)
   */
  async findContacts(ranges: SearchRange[], slotSeconds: number, fromMs: number, toMs: number): Promise<ContactHit[]> {
    if (!ranges.length) return [];
    const rows = await queryRows(
      this.db,
      `SELECT DISTINCT r.source_id::text AS "sourceId", r.source_cell AS "sourceCell", p.user_id::text AS "contactId",
              p.cell AS "contactCell", ${slotOfSql('p.ts', '$6')}::float8 AS slot
       FROM unnest($1::text[], $2::float8[], $3::float8[], $4::bigint[], $5::text[]) AS r(cell, from_ms, to_ms, source_id, source_cell)
       JOIN pings p ON p.cell = r.cell
        AND p.ts >= to_timestamp(r.from_ms / 1000.0) AND p.ts < to_timestamp(r.to_ms / 1000.0)
       WHERE p.user_id <> r.source_id
         AND p.ts >= to_timestamp($7 / 1000.0) AND p.ts < to_timestamp($8 / 1000.0)`,
      [
        ranges.map((r) => r.cell),
        ranges.map((r) => r.fromMs),
        ranges.map((r) => r.toMs),
        ranges.map((r) => r.sourceId),
        ranges.map((r) => r.sourceCell),
        slotSeconds,
        fromMs,
        toMs,
      ],
    );
    return rows.map((r: ContactHit) => ({ ...r, slot: Number(r.slot) }));
  }

  /** The window's stored evidence, in the form the combine step merges (locked by the caller's window lock). */
  async windowPairs(tx: Db, windowId: number): Promise<PartialPair[]> {
    const rows = await queryRows(
      tx,
      `SELECT contact_id::text AS "contactId", source_id::text AS "sourceId", slots::float8[] AS slots, cells
       FROM exposures WHERE window_id = $1`,
      [windowId],
    );
    return rows.map((r: PartialPair) => ({ ...r, slots: r.slots.map(Number) }));
  }

  /** Writes merged evidence of some pairs (the others of the window stay as they are). */
  async upsertExposures(tx: Db, windowId: number, rows: PairExposure[]): Promise<void> {
    if (!rows.length) return;
    await queryRows(
      tx,
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells)
       SELECT $1, c, s, sec, sl::bigint[], ce::text[]
       FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::text[]) AS t(c, s, sec, sl, ce)
       ON CONFLICT (window_id, contact_id, source_id) DO UPDATE SET seconds = EXCLUDED.seconds, slots = EXCLUDED.slots, cells = EXCLUDED.cells`,
      // Slots and cells as array literals: Postgres parses them far more cheaply than JSON.
      [
        windowId,
        rows.map((r) => r.contactId),
        rows.map((r) => r.sourceId),
        rows.map((r) => r.seconds),
        rows.map((r) => arrayLiteral(r.slots)),
        rows.map((r) => arrayLiteral(r.cells)),
      ],
    );
  }
}
