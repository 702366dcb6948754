// The matching configurations the `quality` scenario compares: geohash precision 7, 8 and 9, each
// without a radius, with R + the cell's half-diagonal, and (where it changes anything) with R alone.
import { cellBounds, distanceMeters, encodeCell, type LatLon } from '#libs/geo/index.js';

export interface MatchingConfig {
  label: string;
  precision: number;
  radiusMeters: number | null;
  /** Why this radius. */
  why: string;
}

export interface CellSize {
  /** East-west and north-south extent at the given point, in metres. */
  widthMeters: number;
  heightMeters: number;
  halfDiagonalMeters: number;
}

/** The size of the cell of `precision` that contains `at` (cells narrow with latitude). */
export function cellSizeAt(at: LatLon, precision: number): CellSize {
  const b = cellBounds(encodeCell(at.lat, at.lon, precision));
  const widthMeters = distanceMeters({ lat: b.minLat, lon: b.minLon }, { lat: b.minLat, lon: b.maxLon });
  const heightMeters = distanceMeters({ lat: b.minLat, lon: b.minLon }, { lat: b.maxLat, lon: b.minLon });
  return { widthMeters, heightMeters, halfDiagonalMeters: Math.hypot(widthMeters, heightMeters) / 2 };
}

/**
 * The radius rule compares cell centres and only ever removes matches from the 3 x 3 box. A pair
 * R metres apart can have centres up to R + a full diagonal apart, which is more than any centre
 * distance inside the box (one diagonal): a radius that never drops a true contact changes nothing.
 * So the radii tried trade recall for precision: R + half a diagonal (the typical centre error of
 * two points), and R itself (the naive reading), the latter left out where it keeps the whole box.
 */
export function matchingConfigs(at: LatLon, meters: number): MatchingConfig[] {
  const configs: MatchingConfig[] = [];
  for (const precision of [7, 8, 9]) {
    const size = cellSizeAt(at, precision);
    const diagonal = 2 * size.halfDiagonalMeters;
    const cell = `${size.widthMeters.toFixed(1)} x ${size.heightMeters.toFixed(1)} m cells`;
    configs.push({ label: `p${precision}`, precision, radiusMeters: null, why: `${cell}, the 3 x 3 box` });
    const halfDiag = Math.ceil(meters + size.halfDiagonalMeters);
    configs.push({
      label: `p${precision} r${halfDiag}`,
      precision,
      radiusMeters: halfDiag,
      why: `R + half-diagonal${halfDiag >= diagonal ? ` (>= the box's largest centre distance ${diagonal.toFixed(1)} m: no effect)` : ''}`,
    });
    if (meters < diagonal)
      configs.push({ label: `p${precision} r${meters}`, precision, radiusMeters: meters, why: 'R alone' });
  }
  return configs;
}
