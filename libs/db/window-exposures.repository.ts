import { Injectable } from '@nestjs/common';
import type { ContactSlots, SearchRange } from '#libs/domain/index.js';
import type { VersionedCode } from './code-writes.sql.js';
import { contactHitsCte, contactHitsParams, PAIRS_OF_HITS_SQL } from './contact.sql.js';
import { isDistributed } from './distribution.js';
import { epochMs, type Db, queryJsonRows, queryRows } from './sql.js';

/** Where a window's (contact, source) evidence comes from: a match run now, or the shards' stored partial pairs. */
export type WindowEvidence =
  | { kind: 'match'; ranges: SearchRange[]; slotSeconds: number; fromMs: number; toMs: number; radiusMeters: number }
  | { kind: 'shards'; generation: number };

/** One contact of the window: its slots over all sources, and its code now (null: no code). */
export interface WindowContact extends ContactSlots {
  code: VersionedCode | null;
}

/**
 * A contact as the contacts' statement gives it, an array (no key repeated ten thousand times):
 * its id, its slots as bits (the window's first slot leftmost, '0110...'), then its code's colour,
 * version, expiry and infectious start (all null: no code).
 */
type MaskedContact = [string, string, VersionedCode['color'] | null, number | null, number | null, number | null];

export interface StoredExposures {
  exposures: number;
  /** The sources with contacts. */
  sources: number;
}

// Each yields `hits (contact_id, source_id, slot, cell, closest)`; a row may carry only some of them.
// Parameters: the evidence's (`params`) from $1 on.
const HITS = {
  match: contactHitsCte(false),
  matchDistributed: contactHitsCte(true),
  shards: `hits AS (
    SELECT contact_id, source_id, s AS slot, NULL::text AS cell, NULL::float8[] AS closest
    FROM trace_pairs, unnest(slots) s WHERE window_id = $1 AND generation = $2
    UNION ALL
    SELECT contact_id, source_id, NULL, c, NULL FROM trace_pairs, unnest(cells) c WHERE window_id = $1 AND generation = $2
    UNION ALL
    SELECT contact_id, source_id, NULL, NULL, ARRAY[meters, seconds_apart]::float8[]
    FROM trace_pairs WHERE window_id = $1 AND generation = $2)`,
};

/** Built once per evidence: both statements of a trace take the same (thousands of search ranges). */
const built = new WeakMap<WindowEvidence, unknown[]>();

/** The hits' statement and its parameters for this evidence (on Citus, naming the zones probed). */
async function hitsOf(db: Db, windowId: number, e: WindowEvidence): Promise<{ hits: string; params: unknown[] }> {
  if (e.kind === 'shards') return { hits: HITS.shards, params: [windowId, e.generation] };
  const distributed = await isDistributed(db);
  let match = built.get(e);
  if (!match) {
    match = contactHitsParams(e.ranges, e.slotSeconds, e, e.radiusMeters, distributed);
    built.set(e, match);
  }
  return { hits: distributed ? HITS.matchDistributed : HITS.match, params: match };
}

/**
 * A window's exposures, written where the evidence is: the (contact, source) pairs are formed,
 * stored and summed per contact inside Postgres, so the tens of thousands of hits never travel
 * to the app and back. Storing the pairs and summing the contacts are two statements, meant for
 * two connections at once: the policy of libs/domain decides on the sums (one row per contact)
 * while the pairs are still being written.
 */
@Injectable()
export class WindowExposureRepository {
  /**
   * Replaces the window's evidence with this trace's (a rerun yields the same rows): per pair its
   * distinct slots and the contact's cells, sorted (cells by code point, as the app sorts them),
   * and its seconds from `secondsBySlots` (exposureSecondsBySlots of libs/domain).
   */
  async replace(
    tx: Db,
    windowId: number,
    evidence: WindowEvidence,
    secondsBySlots: number[],
  ): Promise<StoredExposures> {
    // Two combines of one window (a duplicate job) take turns: the second replaces the first's
    // rows with the same ones instead of colliding with them on the primary key.
    await queryRows(
      tx,
      `SELECT pg_advisory_xact_lock(hashtext('hc_window_evidence'), ($1::bigint % 2147483647)::int)`,
      [windowId],
    );
    await queryRows(tx, 'DELETE FROM exposures WHERE window_id = $1', [windowId]);
    const { hits, params } = await hitsOf(tx, windowId, evidence);
    const args = [...params, windowId, secondsBySlots];
    const [row] = await queryRows(
      tx,
      `WITH ${hits},
       pairs AS (${PAIRS_OF_HITS_SQL}),
       stored AS (
         INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells, meters, seconds_apart)
         SELECT $${args.length - 1}::bigint, contact_id, source_id, ($${args.length}::int[])[cardinality(slots)], slots, cells,
                closest[1], round(closest[2])
         FROM pairs
         RETURNING source_id)
       SELECT count(*)::int AS exposures, count(DISTINCT source_id)::int AS sources FROM stored`,
      args,
    );
    return row as StoredExposures;
  }

  /**
   * The window's contacts from the same evidence, read only: per contact its distinct slots over
   * all sources, its last slot and its code (in no order: the policy takes each on its own; the
   * code is what the automatic requests are decided on, written only if still unchanged).
   * `slots`: the window's slots (windowSlotRange), where every hit's slot is. Each contact's
   * slots are gathered as one bit per slot of the window: a hash aggregate, where counting
   * distinct slots would sort every hit.
   */
  async contacts(
    db: Db,
    windowId: number,
    evidence: WindowEvidence,
    slots: { first: number; last: number },
  ): Promise<WindowContact[]> {
    const { hits, params } = await hitsOf(db, windowId, evidence);
    const args = [...params, slots.first, slots.last - slots.first + 1];
    const [first, width] = [`$${args.length - 1}::bigint`, `$${args.length}::int`];
    const rows = await queryJsonRows<MaskedContact>(
      db,
      `WITH ${hits},
       contacts AS (
         SELECT contact_id, bit_or(set_bit(repeat('0', ${width})::varbit, (slot - ${first})::int, 1)) AS slots
         FROM hits WHERE slot IS NOT NULL GROUP BY contact_id)
       SELECT json_agg(json_build_array(c.contact_id::text, c.slots::text, h.color, h.version, ${epochMs('h.expires_at')}, ${epochMs('h.infectious_from')})) AS rows
       FROM contacts c LEFT JOIN health_codes h ON h.user_id = c.contact_id`,
      args,
    );
    return rows.map(([contactId, mask, color, version, expiresAtMs, infectiousFromMs]) => ({
      contactId,
      distinctSlots: mask.replaceAll('0', '').length,
      lastSlot: slots.first + mask.lastIndexOf('1'),
      code: color === null ? null : { userId: contactId, color, version: version!, expiresAtMs, infectiousFromMs },
    }));
  }
}
