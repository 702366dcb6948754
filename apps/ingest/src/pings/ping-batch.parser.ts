import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { encodeCell, keptAccuracy, normalizeCell, POSITION_PRECISION } from '#libs/geo/index.js';
import type { FieldProblem } from '#libs/http/index.js';

export const MAX_PINGS_PER_BATCH = 1000;
/** 1000 pings of ~80 bytes each, with room to spare; more is a 413. */
export const PING_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * A well-formed ping: its time, its index cell, the position kept (a geohash of the cell's length
 * up to POSITION_PRECISION, about a metre: coordinates are encoded here and dropped) and the
 * accuracy kept (keptAccuracy: whole metres up to MAX_ACCURACY_METERS, 0 for none).
 */
export interface ParsedPing {
  tsMs: number;
  cell: string;
  position: string;
  accuracy: number;
}

/** The largest accuracy a phone may report, in metres (a fix vaguer than this is not a position). */
export const MAX_REPORTED_ACCURACY_METERS = 10_000;

/** The geohash kept of a reported one: at most POSITION_PRECISION characters, never fewer than the cell's. */
export function keptPosition(geohash: string, precision: number): string {
  return geohash.slice(0, Math.max(precision, Math.min(geohash.length, POSITION_PRECISION)));
}

const ITEM_FIELDS = new Set(['ts', 'lat', 'lon', 'geohash', 'accuracy']);
const GEOHASH = /^[0-9b-hjkmnp-z]{1,12}$/;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds (an integer) or an ISO-8601 string, as a number; NaN when neither. */
export function pingTimeMs(ts: unknown): number {
  if (typeof ts === 'number') return Number.isSafeInteger(ts) && ts >= 0 ? ts : NaN;
  if (typeof ts === 'string' && ts.length <= 40 && ISO_TIME.test(ts)) return Date.parse(ts);
  return NaN;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a whole `POST /v1/pings` body in one pass (this runs for every ping of the country, so
 * it is plain code rather than a decorator-driven validator per item). A body with any problem
 * is refused whole: a 400 listing every problem as `{ index, field, message }`, messages that
 * name the field and never echo the value.
 */
export function parsePingBatch(body: unknown, precision: number): ParsedPing[] {
  const problems: FieldProblem[] = [];
  if (!isObject(body)) throw invalid([{ field: 'pings', message: 'the body must be an object with a pings array' }]);
  for (const key of Object.keys(body))
    if (key !== 'pings') problems.push({ field: key, message: `property ${key} should not exist` });
  const pings = body.pings;
  if (!Array.isArray(pings)) problems.push({ field: 'pings', message: 'pings must be an array' });
  else if (pings.length < 1 || pings.length > MAX_PINGS_PER_BATCH)
    problems.push({ field: 'pings', message: `pings must hold 1 to ${MAX_PINGS_PER_BATCH} items` });
  if (problems.length) throw invalid(problems);

  const out: ParsedPing[] = new Array((pings as unknown[]).length);
  (pings as unknown[]).forEach((item, index) => {
    const at = (field: string, message: string) => problems.push({ index, field, message });
    if (!isObject(item)) return at('ping', 'each ping must be an object');
    for (const key of Object.keys(item)) if (!ITEM_FIELDS.has(key)) at(key, `property ${key} should not exist`);
    const tsMs = item.ts === undefined ? NaN : pingTimeMs(item.ts);
    if (Number.isNaN(tsMs)) at('ts', 'ts must be an ISO-8601 time or epoch milliseconds');
    const { lat, lon, geohash, accuracy } = item;
    const accuracyOk =
      accuracy === undefined || (isNumber(accuracy) && accuracy >= 0 && accuracy <= MAX_REPORTED_ACCURACY_METERS);
    if (!accuracyOk) at('accuracy', `accuracy must be a number of metres from 0 to ${MAX_REPORTED_ACCURACY_METERS}`);
    let cell: string | null = null;
    let position = '';
    if (geohash !== undefined) {
      if (lat !== undefined || lon !== undefined) at('geohash', 'send either lat/lon or geohash, not both');
      else if (typeof geohash !== 'string' || !GEOHASH.test(geohash))
        at('geohash', 'geohash must be a geohash (base32, lower case, at most 12 characters)');
      else if ((cell = normalizeCell(geohash, precision)) === null)
        at('geohash', `geohash must have at least ${precision} characters`);
      else position = keptPosition(geohash, precision);
    } else if (lat === undefined && lon === undefined) {
      at('geohash', 'each ping needs lat and lon, or a geohash');
    } else {
      const latOk = isNumber(lat) && lat >= -90 && lat <= 90;
      const lonOk = isNumber(lon) && lon >= -180 && lon <= 180;
      if (!latOk) at('lat', 'lat must be a number from -90 to 90');
      if (!lonOk) at('lon', 'lon must be a number from -180 to 180');
      if (latOk && lonOk) {
        position = encodeCell(lat, lon, Math.max(precision, POSITION_PRECISION));
        cell = position.slice(0, precision);
      }
    }
    if (cell !== null && !Number.isNaN(tsMs) && accuracyOk)
      out[index] = { tsMs, cell, position, accuracy: keptAccuracy(accuracy) };
  });
  if (problems.length) throw invalid(problems);
  return out;
}

function invalid(details: FieldProblem[]): DomainError {
  const first = details[0];
  return new DomainError(
    ErrorCode.VALIDATION,
    `${first.index !== undefined ? `item ${first.index}: ` : ''}${first.message}`,
    details,
  );
}
