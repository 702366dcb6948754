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

/** Equal or one of the 8 surrounding cells; longitude wraps, latitude does not. */
export function touches(a: GridCell, b: GridCell): boolean {
  if (a.precision !== b.precision) return false;
  if (Math.abs(a.y - b.y) > 1) return false;
  const columns = 2 ** a.lonBits;
  const dx = Math.abs(a.x - b.x);
  return dx <= 1 || dx === columns - 1;
}

export function centre(c: GridCell): { lat: number; lon: number } {
  return {
    lat: -90 + ((c.y + 0.5) * 180) / 2 ** c.latBits,
    lon: -180 + ((c.x + 0.5) * 360) / 2 ** c.lonBits,
  };
}

/** Haversine distance between the cells' centres, in metres (mean Earth radius). */
export function centreDistanceMeters(a: GridCell, b: GridCell): number {
  const p = centre(a);
  const q = centre(b);
  const rad = Math.PI / 180;
  const h =
    Math.sin(((q.lat - p.lat) * rad) / 2) ** 2 +
    Math.cos(p.lat * rad) * Math.cos(q.lat * rad) * Math.sin(((q.lon - p.lon) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.sqrt(Math.min(1, h)));
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
