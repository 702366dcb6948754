import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

export interface SourcePing {
  sourceId: string;
  tsMs: number;
  cell: string;
}

/** Cells and slots around source pings where a contact's ping counts as co-located. */
export interface ContactKeys {
  cells: string[];
  slotStartsMs: number[];
  sourceIds: string[];
  sourceCells: string[];
}

export interface ContactHit {
  sourceId: string;
  sourceCell: string;
  contactId: string;
  contactCell: string;
  slot: number;
}

export interface ExposureRow {
  contactId: string;
  sourceId: string;
  seconds: number;
  slots: number[];
  cells: string[];
}

@Injectable()
export class TracingRepository {
  constructor(private readonly db: DataSource) {}

  /** Pings in [fromMs, toMs) of people who are red and infectious at the ping's time. */
  async findSourcePings(fromMs: number, toMs: number): Promise<SourcePing[]> {
    const rows = await queryRows(this.db, 
      `SELECT p.user_id::text AS "sourceId", (extract(epoch FROM p.ts) * 1000)::float8 AS "tsMs", p.cell
       FROM health_codes h
       JOIN pings p ON p.user_id = h.user_id
        AND p.ts >= to_timestamp($1 / 1000.0) AND p.ts < to_timestamp($2 / 1000.0)
        AND p.ts >= h.infectious_from
       WHERE h.color = 'red'`,
      [fromMs, toMs],
    );
    return rows.map((r: SourcePing) => ({ sourceId: r.sourceId, tsMs: Number(r.tsMs), cell: r.cell }));
  }

  /**
   * Set-based match: every (cell, slot) key around the source pings is looked up through the
   * (cell, ts) index, inside this window's partition only; contact pings must lie in [fromMs, toMs).
   */
  async findContacts(keys: ContactKeys, slotSeconds: number, fromMs: number, toMs: number): Promise<ContactHit[]> {
    if (!keys.cells.length) return [];
    const rows = await queryRows(this.db, 
      `SELECT DISTINCT k.source_id::text AS "sourceId", k.source_cell AS "sourceCell", p.user_id::text AS "contactId",
              p.cell AS "contactCell", floor(extract(epoch FROM p.ts) / $5)::float8 AS slot
       FROM unnest($1::text[], $2::float8[], $3::bigint[], $4::text[]) AS k(cell, slot_start_ms, source_id, source_cell)
       JOIN pings p ON p.cell = k.cell
        AND p.ts >= to_timestamp(k.slot_start_ms / 1000.0)
        AND p.ts < to_timestamp((k.slot_start_ms + $5 * 1000) / 1000.0)
       WHERE p.user_id <> k.source_id
         AND p.ts >= to_timestamp($6 / 1000.0) AND p.ts < to_timestamp($7 / 1000.0)`,
      [keys.cells, keys.slotStartsMs, keys.sourceIds, keys.sourceCells, slotSeconds, fromMs, toMs],
    );
    return rows.map((r: ContactHit) => ({ ...r, slot: Number(r.slot) }));
  }

  /** Replaces the window's evidence with this trace's (a rerun yields the same rows). */
  async replaceExposures(tx: Db, windowId: number, rows: ExposureRow[]): Promise<void> {
    await queryRows(tx, 'DELETE FROM exposures WHERE window_id = $1', [windowId]);
    if (!rows.length) return;
    await queryRows(tx, 
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells)
       SELECT $1, c, s, sec, ARRAY(SELECT json_array_elements_text(sl)::bigint), ARRAY(SELECT json_array_elements_text(ce))
       FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::json[], $6::json[]) AS t(c, s, sec, sl, ce)`,
      [windowId, rows.map((r) => r.contactId), rows.map((r) => r.sourceId), rows.map((r) => r.seconds),
        rows.map((r) => JSON.stringify(r.slots)), rows.map((r) => JSON.stringify(r.cells))],
    );
  }
}
