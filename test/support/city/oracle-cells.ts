// The oracle's own geohash arithmetic, written from the geohash definition (bits interleaved,
// longitude first, 5 bits a character) and sharing no code with libs/geo: a cell becomes an
// integer column (x) and row (y) on its precision's grid, and neighbours are cells one step away.

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
const EARTH_RADIUS_METERS = 6_371_008.8;

export interface GridCell {
  precision: number;
  x: number;
  y: number;
  lonBits: number;
  latBits: number;
  /** The centre as a stored position has it: rounded to 1e-7 degree (the pings table's integers). */
  storedCentre?: boolean;
}

export function gridCell(cell: string): GridCell {
  let x = 0;
  let y = 0;
  let bit = 0;
  for (const ch of cell) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new RangeError(`not a geohash: ${cell}`);
    for (let b = 4; b >= 0; b--, bit++) {
      const on = (v >> b) & 1;
      if (bit % 2 === 0) x = x * 2 + on;
      else y = y * 2 + on;
    }
  }
  const lonBits = Math.ceil(bit / 2);
  return { precision: cell.length, x, y, lonBits, latBits: bit - lonBits };
}

export function centre(c: GridCell): { lat: number; lon: number } {
  const lat = -90 + ((c.y + 0.5) * 180) / 2 ** c.latBits;
  const lon = -180 + ((c.x + 0.5) * 360) / 2 ** c.lonBits;
  return c.storedCentre ? { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 } : { lat, lon };
}

/**
 * The smallest distance in metres between two cells' rectangles (0 when they touch), locally flat
 * at the mean latitude of their centres; longitude wraps.
 */
export function cellGapMeters(a: GridCell, b: GridCell): number {
  const p = centre(a);
  const q = centre(b);
  const half = (c: GridCell) => ({ lat: 90 / 2 ** c.latBits, lon: 180 / 2 ** c.lonBits });
  const [ha, hb] = [half(a), half(b)];
  const dLat = Math.max(0, Math.abs(p.lat - q.lat) - ha.lat - hb.lat);
  const lonApart = Math.abs(p.lon - q.lon);
  const dLon = Math.max(0, Math.min(lonApart, 360 - lonApart) - ha.lon - hb.lon);
  const perDegree = (EARTH_RADIUS_METERS * Math.PI) / 180;
  return perDegree * Math.hypot(dLat, dLon * Math.cos((((p.lat + q.lat) / 2) * Math.PI) / 180));
}

/** A cell from its column and row (for hand-made test cases: the cell east of a cell, etc.). */
export function cellAt(precision: number, x: number, y: number): string {
  const bits = precision * 5;
  const lonBits = Math.ceil(bits / 2);
  const latBits = bits - lonBits;
  let out = '';
  let v = 0;
  let xi = lonBits - 1;
  let yi = latBits - 1;
  for (let bit = 0; bit < bits; bit++) {
    const on = bit % 2 === 0 ? Math.floor(x / 2 ** xi--) % 2 : Math.floor(y / 2 ** yi--) % 2;
    v = v * 2 + on;
    if (bit % 5 === 4) {
      out += BASE32[v];
      v = 0;
    }
  }
  return out;
}
