import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CoLocationHit,
  PairExposure,
  PartialPair,
  PrefixCount,
  SearchRange,
  SourcePing,
  SourceSearchRange,
} from '#libs/domain/index.js';
import { positionArea, type FinePosition } from '#libs/geo/index.js';
import { contactHitsParams, contactHitsSql, sourceHitsParams, sourceHitsSql } from './contact.sql.js';
import { isDistributed } from './distribution.js';
import { POSITION_SCALE } from './ping-copy-rows.js';
import { arrayLiteral, epochMs, type Db, queryJsonRows, queryRows } from './sql.js';

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
  `SELECT json_agg(json_build_object('sourceId', p.user_id::text, 'tsMs', ${epochMs('p.ts')}, 'cell', p.cell,
    'fine', CASE WHEN p.pos_len IS NOT NULL THEN json_build_object('lat', p.pos_lat / ${POSITION_SCALE}.0, 'lon', p.pos_lon / ${POSITION_SCALE}.0, 'len', p.pos_len) END,
    'accuracy', p.pos_acc)) AS rows ${SOURCE_PINGS} AND ${where}`;

@Injectable()
export class TracingRepository {
  constructor(private readonly db: DataSource) {}

  /** Source pings in [fromMs, toMs) counted per cell prefix: what the shard planner needs. */
  async sourcePrefixCounts(fromMs: number, toMs: number, prefixLength: number): Promise<PrefixCount[]> {
    return queryRows<PrefixCount>(
      this.db,
      `SELECT left(p.cell, $3) AS prefix, count(*)::int AS pings ${SOURCE_PINGS} GROUP BY 1`,
      [fromMs, toMs, prefixLength],
    );
  }

  /** Source pings in [fromMs, toMs) whose cell lies in the range. */
  async findSourcePings(fromMs: number, toMs: number, cells: CellRange): Promise<SourcePing[]> {
    return placed(
      await queryJsonRows<StoredSourcePing>(this.db, sourcePingsSql('p.cell >= $3 AND p.cell < $4'), [
        fromMs,
        toMs,
        cells.from,
        cells.to,
      ]),
    );
  }

  /** One person's source pings in [fromMs, toMs) (none unless red and infectious then): a retro-trace's sources. */
  async findSourcePingsOf(userId: string, fromMs: number, toMs: number): Promise<SourcePing[]> {
    return placed(
      await queryJsonRows<StoredSourcePing>(this.db, sourcePingsSql('h.user_id = $3'), [fromMs, toMs, userId]),
    );
  }

  /** The reverse match, for a few contact pings (late ones): source pings within the contact rule of each. */
  async findSourcesNear(ranges: SourceSearchRange[], radiusMeters: number): Promise<CoLocationHit[]> {
    if (!ranges.length) return [];
    const distributed = await isDistributed(this.db);
    return queryRows<CoLocationHit>(
      this.db,
      sourceHitsSql(distributed),
      sourceHitsParams(ranges, radiusMeters, distributed),
    );
  }

  /** Set-based match: contact pings of the window within the contact rule of the ranges' source pings. */
  async findContacts(
    ranges: SearchRange[],
    slotSeconds: number,
    window: { fromMs: number; toMs: number },
    radiusMeters: number,
  ): Promise<CoLocationHit[]> {
    if (!ranges.length) return [];
    const distributed = await isDistributed(this.db);
    const rows = await queryRows<{
      contactId: string;
      sourceId: string;
      slot: number;
      contactCell: string;
      closest: number[];
    }>(
      this.db,
      `SELECT contact_id::text AS "contactId", source_id::text AS "sourceId", slot::float8 AS slot,
              cell AS "contactCell", closest FROM (${contactHitsSql(distributed)}) hits`,
      contactHitsParams(ranges, slotSeconds, window, radiusMeters, distributed),
    );
    return rows.map(({ closest, ...r }) => ({ ...r, meters: closest[0], secondsApart: closest[1] }));
  }

  /** The window's stored evidence, in the form the combine step merges (locked by the caller's window lock). */
  async windowPairs(tx: Db, windowId: number): Promise<PartialPair[]> {
    const rows = await queryRows<Omit<PartialPair, 'closest'> & { meters: number; secondsApart: number }>(
      tx,
      `SELECT contact_id::text AS "contactId", source_id::text AS "sourceId", slots::float8[] AS slots, cells,
              meters::float8 AS meters, seconds_apart AS "secondsApart"
       FROM exposures WHERE window_id = $1`,
      [windowId],
    );
    return rows.map(({ meters, secondsApart, ...r }) => ({
      ...r,
      slots: r.slots.map(Number),
      closest: { meters, secondsApart },
    }));
  }

  /** Writes merged evidence of some pairs (the others of the window stay as they are). */
  async upsertExposures(tx: Db, windowId: number, rows: PairExposure[]): Promise<void> {
    if (!rows.length) return;
    await queryRows(
      tx,
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells, meters, seconds_apart)
       SELECT $1, c, s, sec, sl::bigint[], ce::text[], m, sa
       FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::real[], $8::int[])
         AS t(c, s, sec, sl, ce, m, sa)
       ON CONFLICT (window_id, contact_id, source_id) DO UPDATE SET seconds = EXCLUDED.seconds,
         slots = EXCLUDED.slots, cells = EXCLUDED.cells, meters = EXCLUDED.meters, seconds_apart = EXCLUDED.seconds_apart`,
      // Slots and cells as array literals: Postgres parses them far more cheaply than JSON.
      [
        windowId,
        rows.map((r) => r.contactId),
        rows.map((r) => r.sourceId),
        rows.map((r) => r.seconds),
        rows.map((r) => arrayLiteral(r.slots)),
        rows.map((r) => arrayLiteral(r.cells)),
        rows.map((r) => r.closest.meters),
        rows.map((r) => Math.round(r.closest.secondsApart)),
      ],
    );
  }
}

/** A source ping as its statement gives it: the finer position and the accuracy apart from the cell. */
type StoredSourcePing = Omit<SourcePing, 'area'> & { fine: FinePosition | null; accuracy: number | null };

function placed(rows: StoredSourcePing[]): SourcePing[] {
  return rows.map(({ fine, accuracy, ...p }) => ({ ...p, area: positionArea(p.cell, fine, accuracy ?? 0) }));
}
