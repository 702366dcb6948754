import { Injectable } from '@nestjs/common';
import { WHOLE, type Color, type ContactPart, type ContactSlots, type SearchRange } from '#libs/domain/index.js';
import { arrayLiteral, type Db, queryRows } from './sql.js';

/** Where a window's (contact, source) evidence comes from: a match run now, or the shards' stored partial pairs. */
export type WindowEvidence =
  | { kind: 'match'; ranges: SearchRange[]; slotSeconds: number; fromMs: number; toMs: number }
  | { kind: 'shards'; generation: number };

/** One contact of the window: its slots over all sources, and its code's colour now (null: no code). */
export interface WindowContact extends ContactSlots {
  color: Color | null;
}

export interface StoredExposures {
  contacts: WindowContact[];
  exposures: number;
  /** The sources with contacts in this part. */
  sources: string[];
}

// Each yields `hits (contact_id, source_id, slot, cell)`; a row may carry only a slot or only a cell.
// Parameters from $5 on ($1 the window, $2 the seconds by slot count, $3 and $4 the part: contact_id % $3 = $4).
const HITS = {
  // One probe of the (cell, ts) index per search range, in the window's day partition(s). The whole
  // statement (EXPLAIN ANALYZE on the 2M-ping bench window: 4,338 ranges, 26,515 hits, 10,573
  // pairs, 10,021 contacts; PostgreSQL 15, random_page_cost 1.1):
  //   Sort (Sort Key: hits.contact_id)
  //     CTE hits -> Nested Loop
  //          -> Function Scan on unnest r                            (the search ranges, as arrays)
  //          -> Index Scan using pings_<day>_cell_ts_idx on pings_<day> p
  //               Index Cond: (cell = r.cell AND ts >= r.from AND ts < r.to AND ts in the window)
  //               Filter: (user_id <> r.source_id)
  //     CTE stored -> Insert on exposures
  //          -> GroupAggregate (Group Key: contact_id, source_id) -> Sort -> CTE Scan on hits   (pairs)
  //     -> Nested Loop Left Join                                     (contacts and their codes)
  //          -> HashAggregate (contact_id) -> HashAggregate (contact_id, slot) -> CTE Scan on hits
  //          -> Index Scan using health_codes_pkey on health_codes h
  match: `hits AS (
    SELECT p.user_id AS contact_id, r.source_id, floor(extract(epoch FROM p.ts) / $9)::bigint AS slot, p.cell
    FROM unnest($5::text[], $6::float8[], $7::float8[], $8::bigint[]) AS r(cell, from_ms, to_ms, source_id)
    JOIN pings p ON p.cell = r.cell
     AND p.ts >= to_timestamp(r.from_ms / 1000.0) AND p.ts < to_timestamp(r.to_ms / 1000.0)
    WHERE p.user_id <> r.source_id AND p.user_id % $3 = $4
      AND p.ts >= to_timestamp($10 / 1000.0) AND p.ts < to_timestamp($11 / 1000.0))`,
  shards: `hits AS (
    SELECT contact_id, source_id, s AS slot, NULL::text AS cell FROM trace_pairs, unnest(slots) s
    WHERE window_id = $1 AND generation = $5 AND contact_id % $3 = $4
    UNION ALL
    SELECT contact_id, source_id, NULL, c FROM trace_pairs, unnest(cells) c
    WHERE window_id = $1 AND generation = $5 AND contact_id % $3 = $4)`,
};

const params = (e: WindowEvidence): unknown[] =>
  e.kind === 'shards'
    ? [e.generation]
    : [...(['cell', 'fromMs', 'toMs', 'sourceId'] as const).map((k) => arrayLiteral(e.ranges.map((r) => r[k]))), e.slotSeconds, e.fromMs, e.toMs];

/**
 * A window's exposures, written where the evidence is: the (contact, source) pairs are formed,
 * stored and summed per contact inside Postgres, so the tens of thousands of hits never travel
 * to the app and back. The app gets one row per contact (what the exposure policy of libs/domain
 * decides on) and applies the rules there.
 */
@Injectable()
export class WindowExposureRepository {
  /**
   * Replaces the window's evidence with this trace's (a rerun yields the same rows): per pair its
   * distinct slots and the contact's cells, sorted (cells by code point, as the app sorts them),
   * and its seconds from `secondsBySlots` (exposureSecondsBySlots of libs/domain).
   */
  async replace(tx: Db, windowId: number, evidence: WindowEvidence, secondsBySlots: number[], part: ContactPart = WHOLE): Promise<StoredExposures> {
    // Two combines of one window part (a duplicate job) take turns: the second replaces the first's
    // rows with the same ones instead of colliding with them on the primary key.
    await queryRows(tx, `SELECT pg_advisory_xact_lock(hashtext('hc_window_evidence'), (($1::bigint * $2 + $3) % 2147483647)::int)`, [windowId, part.count, part.index]);
    await queryRows(tx, 'DELETE FROM exposures WHERE window_id = $1 AND contact_id % $2 = $3', [windowId, part.count, part.index]);
    const rows = await queryRows(tx,
      `WITH ${HITS[evidence.kind]},
       pairs AS (
         SELECT contact_id, source_id,
                array_agg(DISTINCT slot ORDER BY slot) FILTER (WHERE slot IS NOT NULL) AS slots,
                array_agg(DISTINCT cell COLLATE "C" ORDER BY cell COLLATE "C") FILTER (WHERE cell IS NOT NULL) AS cells
         FROM hits GROUP BY contact_id, source_id),
       stored AS (
         INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells)
         SELECT $1, contact_id, source_id, ($2::int[])[cardinality(slots)], slots, cells FROM pairs
         RETURNING 1),
       -- A contact's slots over all its pairs, from the hits (one dedupe, not a sort per contact).
       contacts AS (
         SELECT contact_id, count(*)::int AS slots, max(slot) AS last_slot
         FROM (SELECT DISTINCT contact_id, slot FROM hits WHERE slot IS NOT NULL) d GROUP BY contact_id)
       SELECT c.contact_id::text AS id, c.slots, c.last_slot::float8 AS last, h.color,
              (SELECT count(*) FROM stored)::int AS exposures
       FROM contacts c LEFT JOIN health_codes h ON h.user_id = c.contact_id ORDER BY c.contact_id`,
      [windowId, secondsBySlots, part.count, part.index, ...params(evidence)],
    );
    return {
      contacts: rows.map((r: { id: string; slots: number; last: number; color: Color | null }) =>
        ({ contactId: r.id, distinctSlots: r.slots, lastSlot: r.last, color: r.color })),
      exposures: rows[0]?.exposures ?? 0,
      // Apart: as a column of every contact's row, ten thousand copies of the list to decode.
      sources: (await queryRows(tx, `SELECT coalesce(array_agg(DISTINCT source_id::text), '{}') AS ids FROM exposures WHERE window_id = $1 AND contact_id % $2 = $3`,
        [windowId, part.count, part.index]))[0].ids,
    };
  }
}
