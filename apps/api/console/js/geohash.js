// Geohash cells to their latitude/longitude boxes, so evidence cells can be drawn without maps.
const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The cell's bounds { south, north, west, east } in degrees, or null for a malformed geohash. */
export function cellBounds(geohash) {
  let south = -90,
    north = 90,
    west = -180,
    east = 180;
  let lonBit = true;
  for (const ch of String(geohash).toLowerCase()) {
    const value = BASE32.indexOf(ch);
    if (value < 0) return null;
    for (let bit = 4; bit >= 0; bit--) {
      const on = (value >> bit) & 1;
      if (lonBit) {
        const mid = (west + east) / 2;
        if (on) west = mid;
        else east = mid;
      } else {
        const mid = (south + north) / 2;
        if (on) south = mid;
        else north = mid;
      }
      lonBit = !lonBit;
    }
  }
  return String(geohash).length ? { south, north, west, east } : null;
}

/** Metres of one degree of latitude and, at a latitude, of longitude (a sphere is close enough here). */
export function metresPerDegree(latitude) {
  const lat = 111_320;
  return { lat, lon: lat * Math.cos((latitude * Math.PI) / 180) };
}
