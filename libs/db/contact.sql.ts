import type { SearchRange, SourceSearchRange } from '#libs/domain/index.js';
import { cellArea, HALF_CELL_DEGREES, METERS_PER_DEGREE, zoneOf, type Area } from '#libs/geo/index.js';
import { POSITION_SCALE } from './ping-copy-rows.js';
import { arrayLiteral, epochMs, textArrayLiteral } from './sql.js';

// The contact rule's distance test in SQL, beside the index probe (gapMeters of libs/geo, term for
// term; an integration test holds the two to the same answers).

/** SQL expressions of an area: centre and half extents in degrees, accuracy in metres. */
export interface AreaSql {
  lat: string;
  lon: string;
  halfLat: string;
  halfLon: string;
  accuracy: string;
}

const halfCells = (key: 'halfLat' | 'halfLon') =>
  `('{${HALF_CELL_DEGREES.slice(1)
    .map((h) => h[key])
    .join(',')}}'::float8[])`;

/** A stored ping's area: its finer position, or else its cell's (centre given, extents by length), and its accuracy. */
function pingAreaSql(p: string, cellLat: string, cellLon: string): AreaSql {
  const fine = `${p}.pos_len IS NOT NULL`;
  return {
    lat: `CASE WHEN ${fine} THEN ${p}.pos_lat / ${POSITION_SCALE}.0 ELSE ${cellLat} END`,
    lon: `CASE WHEN ${fine} THEN ${p}.pos_lon / ${POSITION_SCALE}.0 ELSE ${cellLon} END`,
    halfLat: `${halfCells('halfLat')}[coalesce(${p}.pos_len, length(${p}.cell))]`,
    halfLon: `${halfCells('halfLon')}[coalesce(${p}.pos_len, length(${p}.cell))]`,
    accuracy: `coalesce(${p}.pos_acc, 0)`,
  };
}

export function gapMetersSql(a: AreaSql, b: AreaSql): string {
  const lonApart = `abs(${a.lon} - ${b.lon})`;
  return `greatest(0, ${METERS_PER_DEGREE} * sqrt(
    power(greatest(0, abs(${a.lat} - ${b.lat}) - ${a.halfLat} - ${b.halfLat}), 2)
    + power(greatest(0, least(${lonApart}, 360 - ${lonApart}) - ${a.halfLon} - ${b.halfLon})
            * cos(radians((${a.lat} + ${b.lat}) / 2)), 2)) - ${a.accuracy} - ${b.accuracy})`;
}

const rangeArea = (r: string): AreaSql => ({
  lat: `${r}.a_lat`,
  lon: `${r}.a_lon`,
  halfLat: `${r}.a_hlat`,
  halfLon: `${r}.a_hlon`,
  accuracy: `${r}.a_acc`,
});

/**
 * A probe's times as numbers. Split from text rather than cast from an array literal: that cast
 * (array_in) is only stable, and Citus sends a statement with a table function over a value that
 * is not immutable to one shard at most ("Only immutable functions can be used as a table
 * expressions in a multi-shard query").
 */
const TIMES = `string_to_array(r.times, ',')::float8[]`;

/** The columns every probe carries, as unnest() takes them: the probed cell, times, the reaching area. */
const PROBE_COLUMNS = 'cell, from_ms, to_ms, times, a_lat, a_lon, a_hlat, a_hlon, a_acc, cell_lat, cell_lon';
const PROBE_TYPES =
  'text[], float8[], float8[], text[], float8[], float8[], float8[], float8[], float8[], float8[], float8[]';

/** The probes' arrays; `times` are the reaching pings' times, each list as comma-separated text. */
function probeArrays(
  ranges: readonly { cell: string; fromMs: number; toMs: number; times: number[] }[],
  areas: Area[],
) {
  const cells = ranges.map((r) => cellArea(r.cell));
  return [
    arrayLiteral(ranges.map((r) => r.cell)),
    arrayLiteral(ranges.map((r) => r.fromMs)),
    arrayLiteral(ranges.map((r) => r.toMs)),
    textArrayLiteral(ranges.map((r) => r.times.join(','))),
    arrayLiteral(areas.map((a) => a.lat)),
    arrayLiteral(areas.map((a) => a.lon)),
    arrayLiteral(areas.map((a) => a.halfLat)),
    arrayLiteral(areas.map((a) => a.halfLon)),
    arrayLiteral(areas.map((a) => a.accuracyMeters ?? 0)),
    arrayLiteral(cells.map((c) => c.lat)),
    arrayLiteral(cells.map((c) => c.lon)),
  ];
}

/** The zones the ranges probe, each once: on Citus, the shards a matching statement needs. */
function zonesOf(ranges: readonly { cell: string }[]): string {
  return arrayLiteral([...new Set(ranges.map((r) => zoneOf(r.cell)))]);
}

/**
 * Pings distributed by zone (a Citus cluster): the statement names the zones its ranges probe, a
 * condition on the distribution column that Citus prunes the shards by, so the statement runs on
 * the workers that hold those zones and only the contacts come back (docs/deployment.md).
 */
const zoned = (sql: string, param: number) => `${sql}
    AND p.zone = ANY($${param}::text[])`;

/**
 * The parameters of CONTACT_HITS_SQL for these ranges, from $1: the probes' arrays and the source of
 * each, then the slot length, the window [from, to) and the radius; `distributed`: and the zones
 * (contactHitsSql(true)).
 */
export function contactHitsParams(
  ranges: readonly SearchRange[],
  slotSeconds: number,
  window: { fromMs: number; toMs: number },
  radiusMeters: number,
  distributed = false,
): unknown[] {
  return [
    ...probeArrays(
      ranges,
      ranges.map((r) => r.source),
    ),
    arrayLiteral(ranges.map((r) => r.sourceId)),
    slotSeconds,
    window.fromMs,
    window.toMs,
    radiusMeters,
    ...(distributed ? [zonesOf(ranges)] : []),
  ];
}

/**
 * Contact pings of the window within the contact rule of a source ping: one probe of the (cell, ts)
 * index per range (the planner prunes to the window's day partitions), then the distance test.
 * Yields (contact_id, source_id, slot, cell, closest): closest = {metres, seconds apart}.
 */
export const CONTACT_HITS_SQL = `
  SELECT p.user_id AS contact_id, r.source_id, floor(date_part('epoch', p.ts) / $13)::bigint AS slot, p.cell,
         ARRAY[g.meters, (SELECT min(abs(${epochMs('p.ts')} - t)) FROM unnest(${TIMES}) t) / 1000] AS closest
  FROM unnest(${PROBE_TYPES.split(', ')
    .map((t, i) => `$${i + 1}::${t}`)
    .join(', ')}, $12::bigint[]) AS r(${PROBE_COLUMNS}, source_id)
  JOIN pings p ON p.cell = r.cell
   AND p.ts >= to_timestamp(r.from_ms / 1000.0) AND p.ts < to_timestamp(r.to_ms / 1000.0)
  CROSS JOIN LATERAL (SELECT ${gapMetersSql(rangeArea('r'), pingAreaSql('p', 'r.cell_lat', 'r.cell_lon'))} AS meters) g
  WHERE p.user_id <> r.source_id
    AND p.ts >= to_timestamp($14 / 1000.0) AND p.ts < to_timestamp($15 / 1000.0)
    AND g.meters <= $16`;

/**
 * The (contact, source) pairs of a `hits` relation as CONTACT_HITS_SQL yields them (pairsFromHits of
 * libs/domain, in SQL): distinct slots, the contact's distinct cells (by code point, as the app
 * sorts them), and the closest {metres, seconds apart} (the smallest distance, then time).
 */
export const PAIRS_OF_HITS_SQL = `
  SELECT contact_id, source_id,
         array_agg(DISTINCT slot ORDER BY slot) FILTER (WHERE slot IS NOT NULL) AS slots,
         array_agg(DISTINCT cell COLLATE "C" ORDER BY cell COLLATE "C") FILTER (WHERE cell IS NOT NULL) AS cells,
         min(closest) AS closest
  FROM hits GROUP BY contact_id, source_id`;

/** CONTACT_HITS_SQL, or on pings distributed by zone the same naming the zones ($17). */
export const contactHitsSql = (distributed: boolean): string =>
  distributed ? zoned(CONTACT_HITS_SQL, 17) : CONTACT_HITS_SQL;

/**
 * The hits of contactHitsSql as the CTE `hits` of a statement that groups them (PAIRS_OF_HITS_SQL).
 * Materialized on Citus: the matching runs on the workers and its hits come back whole, then the
 * pairs are grouped on the coordinator. Inlined, Citus pushed the grouping down as partial
 * aggregates, and array_agg(DISTINCT ...) came back corrupt ("invalid byte sequence ... 0x00").
 */
export const contactHitsCte = (distributed: boolean): string =>
  distributed ? `hits AS MATERIALIZED (${contactHitsSql(true)})` : `hits AS (${contactHitsSql(false)})`;

/** The parameters of SOURCE_HITS_SQL: the probes around contact pings, and the radius (and the zones). */
export function sourceHitsParams(
  ranges: readonly SourceSearchRange[],
  radiusMeters: number,
  distributed = false,
): unknown[] {
  return [
    ...probeArrays(
      ranges,
      ranges.map((r) => r.contact),
    ),
    arrayLiteral(ranges.map((r) => r.contactId)),
    arrayLiteral(ranges.map((r) => r.slot)),
    arrayLiteral(ranges.map((r) => r.contactCell)),
    radiusMeters,
    ...(distributed ? [zonesOf(ranges)] : []),
  ];
}

/**
 * The reverse match for a few contact pings (late ones): source pings (red and infectious at their
 * time) within the contact rule of each, one probe per range. The slot is the contact's.
 */
export const SOURCE_HITS_SQL = `
  SELECT p.user_id::text AS "sourceId", r.contact_id::text AS "contactId", r.slot::float8 AS slot,
         r.contact_cell AS "contactCell", g.meters::float8 AS meters,
         (SELECT min(abs(${epochMs('p.ts')} - t)) FROM unnest(${TIMES}) t) / 1000 AS "secondsApart"
  FROM unnest(${PROBE_TYPES.split(', ')
    .map((t, i) => `$${i + 1}::${t}`)
    .join(', ')}, $12::bigint[], $13::float8[], $14::text[]) AS r(${PROBE_COLUMNS}, contact_id, slot, contact_cell)
  JOIN pings p ON p.cell = r.cell
   AND p.ts >= to_timestamp(r.from_ms / 1000.0) AND p.ts < to_timestamp(r.to_ms / 1000.0)
  JOIN health_codes h ON h.user_id = p.user_id AND h.color = 'red' AND p.ts >= h.infectious_from
  CROSS JOIN LATERAL (SELECT ${gapMetersSql(rangeArea('r'), pingAreaSql('p', 'r.cell_lat', 'r.cell_lon'))} AS meters) g
  WHERE p.user_id <> r.contact_id AND g.meters <= $15`;

/** SOURCE_HITS_SQL, or on pings distributed by zone the same naming the zones ($16). */
export const sourceHitsSql = (distributed: boolean): string =>
  distributed ? zoned(SOURCE_HITS_SQL, 16) : SOURCE_HITS_SQL;
