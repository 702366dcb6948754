import ngeohash from 'ngeohash';
import { cellBounds, isGeohash } from './geohash.js';

// Cell edges are dyadic fractions of 180/360 degrees, so centre +/- one cell size is exact
// and re-encoding it lands strictly inside the neighbouring cell.
function wrapLongitude(lon: number): number {
  if (lon > 180) return lon - 360;
  if (lon < -180) return lon + 360;
  return lon;
}

/**
 * The cell and its 8 surrounding cells of the same precision, the cell first.
 * Longitude wraps at the antimeridian; rows beyond a pole do not exist and are left out
 * (a cell touching a pole has 6 cells in its neighbourhood). No duplicates.
 */
export function cellNeighbourhood(cell: string): string[] {
  const b = cellBounds(cell);
  const height = b.maxLat - b.minLat;
  const width = b.maxLon - b.minLon;
  const centreLat = (b.minLat + b.maxLat) / 2;
  const centreLon = (b.minLon + b.maxLon) / 2;
  const cells = new Set<string>([cell]);
  for (const dLat of [-1, 0, 1]) {
    const lat = centreLat + dLat * height;
    if (lat > 90 || lat < -90) continue;
    for (const dLon of [-1, 0, 1]) {
      const lon = wrapLongitude(centreLon + dLon * width);
      cells.add(ngeohash.encode(lat, lon, cell.length));
    }
  }
  return [...cells];
}

/** True when the cells are equal or touch (edge or corner); cells of different precision never match. */
export function areNeighbourCells(a: string, b: string): boolean {
  if (!isGeohash(a) || !isGeohash(b) || a.length !== b.length) return false;
  if (a === b) return true;
  return cellNeighbourhood(a).includes(b);
}
