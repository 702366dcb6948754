import ngeohash from 'ngeohash';

/** A point on the globe in degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

export const GEOHASH_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';
export const MAX_GEOHASH_PRECISION = 12;

// Lowercase only: cells are stored and compared as strings, so 'S' and 's' must not both exist.
const GEOHASH_PATTERN = /^[0-9b-hjkmnp-z]{1,12}$/;

export function isGeohash(value: string): boolean {
  return typeof value === 'string' && GEOHASH_PATTERN.test(value);
}

export function isValidPrecision(precision: number): boolean {
  return Number.isInteger(precision) && precision >= 1 && precision <= MAX_GEOHASH_PRECISION;
}

function assertPrecision(precision: number): void {
  if (!isValidPrecision(precision)) {
    throw new RangeError(`geohash precision must be an integer from 1 to ${MAX_GEOHASH_PRECISION}`);
  }
}

// Validated before encoding because ngeohash silently turns NaN or out-of-range input into a real cell.
export function isValidLatLon(lat: number, lon: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

export function encodeCell(lat: number, lon: number, precision: number): string {
  assertPrecision(precision);
  if (!isValidLatLon(lat, lon)) {
    throw new RangeError('latitude must be within [-90, 90] and longitude within [-180, 180]');
  }
  return ngeohash.encode(lat, lon, precision);
}

/**
 * A client-computed geohash as a cell of the configured precision: longer ones are truncated
 * (a coarser cell that contains the point), shorter or malformed ones cannot be placed and give null.
 */
export function normalizeCell(geohash: string, precision: number): string | null {
  assertPrecision(precision);
  if (!isGeohash(geohash) || geohash.length < precision) return null;
  return geohash.slice(0, precision);
}

/** The cell's bounding box in degrees. */
export interface CellBounds {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

export function cellBounds(cell: string): CellBounds {
  if (!isGeohash(cell)) throw new RangeError('not a geohash cell');
  const [minLat, minLon, maxLat, maxLon] = ngeohash.decode_bbox(cell);
  return { minLat, minLon, maxLat, maxLon };
}

export function cellCentre(cell: string): LatLon {
  const b = cellBounds(cell);
  return { lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2 };
}

/**
 * The location key of a cell (its first characters, about 39 km by 20 km): on a distributed
 * Postgres the pings are spread over the nodes by it, so the contacts around a ping are on one
 * node unless the search crosses a zone's border (docs/deployment.md, "Distributed"). Stored with
 * every ping, so it never changes for stored data.
 */
export const ZONE_LENGTH = 4;

export function zoneOf(cell: string): string {
  return cell.slice(0, ZONE_LENGTH);
}
