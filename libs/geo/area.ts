import ngeohash from 'ngeohash';
import { EARTH_RADIUS_METERS } from './distance.js';
import { cellBounds, GEOHASH_ALPHABET, MAX_GEOHASH_PRECISION } from './geohash.js';

/**
 * The area a stored position stands for: a rectangle in degrees given by its centre and half its
 * height and width, grown by the accuracy the phone reported (every point within that many metres
 * of the rectangle). A geohash stands for its cell; a point has no extent.
 */
export interface Area {
  lat: number;
  lon: number;
  halfLat: number;
  halfLon: number;
  /** Metres, at most MAX_ACCURACY_METERS; absent or 0 when the phone reported none. */
  accuracyMeters?: number;
}

/** Metres per degree of latitude on the mean Earth sphere (IUGG radius 6,371,008.8 m). */
export const METERS_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;

/**
 * The finest position kept: a geohash of 10 characters is a cell of about 1.2 x 0.6 m, so a
 * phone's lat/lon is kept to about a metre and no finer.
 */
export const POSITION_PRECISION = 10;

/**
 * The widest accuracy kept: a phone's reported accuracy (the radius its fix is likely within)
 * widens its area up to this; a vaguer fix is kept as this. Every contact search reaches this much
 * beyond the radius, since any ping may carry it.
 */
export const MAX_ACCURACY_METERS = 10;

/** The accuracy kept of a reported one: whole metres rounded up (a wider area, never a narrower), at most MAX_ACCURACY_METERS; 0 for none. */
export function keptAccuracy(reported: number | undefined): number {
  return reported === undefined || !(reported > 0) ? 0 : Math.min(MAX_ACCURACY_METERS, Math.ceil(reported));
}
/** Half the height and width (degrees) of a geohash cell of each length (index = length). */
export const HALF_CELL_DEGREES: readonly { halfLat: number; halfLon: number }[] = Array.from(
  { length: MAX_GEOHASH_PRECISION + 1 },
  (_, n) => {
    const lonBits = Math.ceil((5 * n) / 2);
    const latBits = 5 * n - lonBits;
    return { halfLat: 90 / 2 ** latBits, halfLon: 180 / 2 ** lonBits };
  },
);

/** A position finer than its cell, as stored beside it: the centre of a geohash and its length. */
export interface FinePosition {
  lat: number;
  lon: number;
  len: number;
}

/** The finer part of a reported geohash, or null when the cell of `cellPrecision` says it all. */
export function finePosition(geohash: string, cellPrecision: number): FinePosition | null {
  const len = Math.min(geohash.length, POSITION_PRECISION);
  if (len <= cellPrecision) return null;
  const b = cellBounds(geohash.slice(0, len));
  return { lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2, len };
}

/** The area of a stored position: the finer geohash when there is one, else the cell; grown by its accuracy. */
export function positionArea(cell: string, fine: FinePosition | null, accuracyMeters = 0): Area {
  const area = fine ? { lat: fine.lat, lon: fine.lon, ...HALF_CELL_DEGREES[fine.len] } : cellArea(cell);
  return accuracyMeters > 0 ? { ...area, accuracyMeters } : area;
}

export function cellArea(cell: string): Area {
  const b = cellBounds(cell);
  return { lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2, ...HALF_CELL_DEGREES[cell.length] };
}

/**
 * The smallest distance in metres between two areas (0 when they overlap or touch): between the
 * rectangles, less both accuracies. Locally flat (equirectangular at the mean latitude): within a
 * few hundred metres the error is far below the metre a position is kept to. Longitude wraps at
 * the antimeridian.
 */
export function gapMeters(a: Area, b: Area): number {
  const dLat = Math.max(0, Math.abs(a.lat - b.lat) - a.halfLat - b.halfLat);
  const lonApart = Math.abs(a.lon - b.lon);
  const dLon = Math.max(0, Math.min(lonApart, 360 - lonApart) - a.halfLon - b.halfLon);
  const cosLat = Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  const rectangles = METERS_PER_DEGREE * Math.hypot(dLat, dLon * cosLat);
  return Math.max(0, rectangles - (a.accuracyMeters ?? 0) - (b.accuracyMeters ?? 0));
}

const MAX_COLUMNS = 1024;

/**
 * Every cell of `precision` that can hold a position within `radiusMeters` of the area: the cells
 * meeting the area's rectangle grown by the radius, less those whose own rectangle is farther. Growing uses the cosine of the latitude
 * farthest from the equator, so the rectangle always contains every point gapMeters admits.
 */
export function cellsWithin(area: Area, radiusMeters: number, precision: number): string[] {
  const reach = radiusMeters + (area.accuracyMeters ?? 0);
  const dLat = reach / METERS_PER_DEGREE;
  const minLat = Math.max(-90, area.lat - area.halfLat - dLat);
  const maxLat = Math.min(90, area.lat + area.halfLat + dLat);
  const cosFar = Math.cos((Math.min(90, Math.max(Math.abs(minLat), Math.abs(maxLat))) * Math.PI) / 180);
  const dLon = cosFar > 1e-9 ? reach / (METERS_PER_DEGREE * cosFar) : 360;
  const west = area.lon - area.halfLon - dLon;
  // Within a few hundred metres of a pole a radius spans thousands of columns: capped, so one
  // position there cannot cost unbounded work (contacts that close to a pole may be missed).
  const east = Math.min(
    area.lon + area.halfLon + dLon,
    west + 360,
    west + MAX_COLUMNS * 2 * HALF_CELL_DEGREES[precision].halfLon,
  );
  const { halfLat: h, halfLon: w } = HALF_CELL_DEGREES[precision];
  const wrap = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180;
  // Rows and columns stepped from the south-west cell's centre, unwrapped east of it; a cell whose
  // edge only touches the grown rectangle is kept (a gap of exactly the radius is a contact).
  const first = cellBounds(ngeohash.encode(minLat, wrap(west), precision));
  const firstLon = first.minLon + w + (west - wrap(west));
  const cells = new Set<string>();
  for (let lat = first.minLat + h; lat - h <= maxLat && lat < 90; lat += 2 * h) {
    for (let lon = firstLon; lon - w <= east; lon += 2 * w) cells.add(ngeohash.encode(lat, wrap(lon), precision));
  }
  // The rectangle's corner cells can lie farther than the radius from a small area: each probe
  // saved is an index descent. The slack covers gapMeters' flat-earth approximation, which takes
  // the cosine at a slightly different latitude for a cell than for a point inside it.
  return [...cells].filter((cell) => gapMeters(area, cellArea(cell)) <= radiusMeters + CELL_SLACK_METERS);
}

const CELL_SLACK_METERS = 0.5;

/**
 * A lower bound of the great-circle distance in metres between any point of one area and any
 * point of the other (0 when they overlap), less both accuracies: for distances of any length,
 * where gapMeters' flat approximation is meant for metres. The latitude gap and the longitude gap
 * are each the smallest the rectangles allow, and the parallels are taken where they are shortest
 * (the latitude of each rectangle farthest from the equator), so a coarse area never measures
 * farther than a point inside it.
 */
export function minDistanceMeters(a: Area, b: Area): number {
  const dLat = Math.max(0, Math.abs(a.lat - b.lat) - a.halfLat - b.halfLat);
  const lonApart = Math.abs(a.lon - b.lon);
  const dLon = Math.max(0, Math.min(lonApart, 360 - lonApart) - a.halfLon - b.halfLon);
  const toRadians = Math.PI / 180;
  const farthest = (x: Area) => Math.min(90, Math.abs(x.lat) + x.halfLat) * toRadians;
  const h =
    Math.sin((dLat * toRadians) / 2) ** 2 +
    Math.cos(farthest(a)) * Math.cos(farthest(b)) * Math.sin((dLon * toRadians) / 2) ** 2;
  const meters = 2 * EARTH_RADIUS_METERS * Math.asin(Math.sqrt(Math.min(1, h)));
  return Math.max(0, meters - (a.accuracyMeters ?? 0) - (b.accuracyMeters ?? 0));
}

/** The span of a geohash cell of each length (index), Infinity for none: the most two points of one cell can lie apart. */
const CELL_SPAN_METERS = HALF_CELL_DEGREES.map(({ halfLat, halfLon }, n) =>
  // Along the meridian, then the parallel (no longer than at the equator): a path, so at least the distance.
  n === 0 ? Infinity : 2 * METERS_PER_DEGREE * (halfLat + halfLon),
);

/**
 * An upper bound of the distance in metres between two positions given as geohashes: the span of
 * the smallest cell holding both (their common prefix). Cheap, with no decoding: enough to tell
 * that two pings near each other are near.
 */
export function sharedCellSpanMeters(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a.charCodeAt(k) === b.charCodeAt(k)) k++;
  return CELL_SPAN_METERS[k];
}

const BASE32_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < GEOHASH_ALPHABET.length; i++) BASE32_VALUE[GEOHASH_ALPHABET.charCodeAt(i)] = i;
const WHOLE_WORLD: Area = { lat: 0, lon: 0, halfLat: 90, halfLon: 180 };

/**
 * cellArea for a geohash already checked (a kept position), decoded in place without the check or
 * intermediate objects: the plausibility rule reads one for each ping that moved. Anything that is
 * not a geohash stands for the whole world (never farther than anything).
 */
export function geohashArea(hash: string): Area {
  let minLat = -90;
  let maxLat = 90;
  let minLon = -180;
  let maxLon = 180;
  let lonBit = true;
  for (let i = 0; i < hash.length; i++) {
    const code = hash.charCodeAt(i);
    const v = code < 128 ? BASE32_VALUE[code] : -1;
    if (v < 0 || i >= MAX_GEOHASH_PRECISION) return WHOLE_WORLD;
    for (let bit = 4; bit >= 0; bit--) {
      const on = (v >> bit) & 1;
      if (lonBit) {
        const mid = (minLon + maxLon) / 2;
        if (on) minLon = mid;
        else maxLon = mid;
      } else {
        const mid = (minLat + maxLat) / 2;
        if (on) minLat = mid;
        else maxLat = mid;
      }
      lonBit = !lonBit;
    }
  }
  if (!hash.length) return WHOLE_WORLD;
  return {
    lat: (minLat + maxLat) / 2,
    lon: (minLon + maxLon) / 2,
    halfLat: (maxLat - minLat) / 2,
    halfLon: (maxLon - minLon) / 2,
  };
}
