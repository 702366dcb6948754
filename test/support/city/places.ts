// The map of the simulated city: homes, workplaces and shared places (shops, transit, venues),
// laid out around a point where geohash cells of every precision meet, plus places put exactly on
// prefix borders, so that neighbouring cells of one place have different 4- and 5-character prefixes.
import { cellBounds, encodeCell } from '#libs/geo/index.js';
import { type Random } from './random.js';

export type PlaceKind = 'home' | 'work' | 'shop' | 'station' | 'venue';

export interface Place {
  id: number;
  kind: PlaceKind;
  lat: number;
  lon: number;
  radiusMeters: number;
  /** Put on a geohash prefix border on purpose. */
  onBorder: boolean;
}

export interface LatLon {
  lat: number;
  lon: number;
}

/** 45°N 0°E is a corner of geohash cells of every precision (lat 45 and lon 0 are borders of all). */
export const CITY_CENTRE: LatLon = { lat: 45, lon: 0 };

const METERS_PER_DEGREE = 111_320;
const RADIUS: Record<PlaceKind, number> = { home: 6, work: 25, shop: 20, station: 50, venue: 30 };
/** People per place of each kind (homes are households). */
const PEOPLE_PER: Record<Exclude<PlaceKind, 'home'>, number> = { work: 60, shop: 150, station: 800, venue: 300 };

export function offsetMeters(from: LatLon, northM: number, eastM: number): LatLon {
  return {
    lat: from.lat + northM / METERS_PER_DEGREE,
    lon: from.lon + eastM / (METERS_PER_DEGREE * Math.cos((from.lat * Math.PI) / 180)),
  };
}

/** A uniform point in a disc. */
export function pointInDisc(rng: Random, centre: LatLon, radiusMeters: number): LatLon {
  const r = radiusMeters * Math.sqrt(rng.next());
  const a = rng.next() * 2 * Math.PI;
  return offsetMeters(centre, r * Math.sin(a), r * Math.cos(a));
}

/** Points on prefix borders near the centre: the corner itself, along both border lines, and a 5-character-only border. */
function borderPoints(centre: LatLon): LatLon[] {
  const east5 = cellBounds(encodeCell(centre.lat + 0.001, centre.lon + 0.001, 5));
  return [
    centre,
    offsetMeters(centre, 0, 400),
    offsetMeters(centre, 0, -900),
    offsetMeters(centre, 700, 0),
    offsetMeters(centre, -300, 0),
    { lat: centre.lat + 0.01, lon: east5.maxLon }, // east edge of a 5-character cell, not a 4-character border
    { lat: east5.minLat + 0.004, lon: east5.maxLon },
  ];
}

export function layOutPlaces(rng: Random, people: number, households: number, centre = CITY_CENTRE): Place[] {
  const cityRadius = Math.max(2000, 4000 * Math.sqrt(people / 3000));
  const places: Place[] = [];
  const add = (kind: PlaceKind, at: LatLon, onBorder = false) =>
    places.push({ id: places.length, kind, ...at, radiusMeters: RADIUS[kind], onBorder });
  // Shared places on the borders first: stations (the busiest places) at the corner and on the 5-character border.
  const kinds: PlaceKind[] = ['station', 'work', 'shop', 'venue', 'work', 'station', 'shop'];
  borderPoints(centre).forEach((at, i) => add(kinds[i % kinds.length], at, true));
  for (const kind of ['work', 'shop', 'station', 'venue'] as const) {
    const count = Math.max(2, Math.round(people / PEOPLE_PER[kind]));
    for (let i = 0; i < count; i++) add(kind, pointInDisc(rng, centre, cityRadius));
  }
  // A few homes on a border too (households whose cells have different prefixes).
  for (let i = 0; i < households; i++)
    add('home', i < 6 ? offsetMeters(centre, (i - 3) * 40, 0) : pointInDisc(rng, centre, cityRadius), i < 6);
  return places;
}
