// The city simulator: people with homes, workplaces and shared places, moving between them and
// pinging once a slot (with jitter inside the slot) over consecutive windows. Deterministic from a
// seed: a person's itinerary and a (person, slot)'s pings are pure functions of (seed, person,
// slot), so pings can be generated in any order, streamed, or re-generated for one person.
// Deliberately included: places on geohash prefix borders, pings at and near window edges,
// people moving between cells within a slot, red people (some infectious from mid-window) and
// people already yellow.
import { encodeCell, keptAccuracy, MAX_ACCURACY_METERS } from '#libs/geo/index.js';
import { layOutPlaces, offsetMeters, pointInDisc, type LatLon, type Place, type PlaceKind } from './places.js';
import { Random, mixSeed } from './random.js';

export interface CityOptions {
  seed: number;
  people: number;
  /** The simulated windows: `windowCount` consecutive windows from `firstWindowId`. */
  firstWindowId: number;
  windowCount: number;
  windowSeconds: number;
  slotSeconds: number;
  precision: number;
  redFraction: number;
  yellowFraction: number;
}

/**
 * One ping with its true position (kept for ground-truth checks), its cell, and optionally the
 * position the phone reported (a geohash starting with the cell; absent: the phone sent the cell)
 * and the accuracy kept of the one it reported (whole metres, keptAccuracy).
 */
export interface SimPing {
  person: number;
  tsMs: number;
  lat: number;
  lon: number;
  cell: string;
  reported?: string;
  accuracy?: number;
}

/**
 * What phones with a position error report: each true position moved by a normal error of
 * `meters` RMS (horizontally; `meters / sqrt 2` each way), encoded to `positionPrecision`
 * characters with its cell of `cellPrecision`, and, when they report it, that RMS as their
 * accuracy. The same seed gives the same errors.
 */
export function withPositionError(
  pings: readonly SimPing[],
  meters: number,
  cellPrecision: number,
  positionPrecision: number,
  seed: number,
  reportsAccuracy = false,
): SimPing[] {
  const random = new Random(mixSeed(seed, Math.round(meters * 1000)));
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const perDegree = (6_371_008.8 * Math.PI) / 180;
  return pings.map((p) => {
    const sigma = meters / Math.SQRT2;
    const lat = p.lat + (normal() * sigma) / perDegree;
    const lon = p.lon + (normal() * sigma) / (perDegree * Math.cos((p.lat * Math.PI) / 180));
    const reported = encodeCell(lat, lon, positionPrecision);
    const accuracy = reportsAccuracy ? keptAccuracy(meters) : 0;
    return { ...p, cell: reported.slice(0, cellPrecision), reported, ...(accuracy ? { accuracy } : {}) };
  });
}

/**
 * Phones of every kind at once, chosen per ping from the seed: a third send their cell only, a
 * third their exact lat/lon, a third their lat/lon with an accuracy of 1 to MAX_ACCURACY_METERS
 * (the position itself exact, so the accuracy only widens).
 */
export function withMixedReports(pings: readonly SimPing[], positionPrecision: number, seed: number): SimPing[] {
  const random = new Random(mixSeed(seed, 7));
  return pings.map((p) => {
    const kind = Math.floor(random.next() * 3);
    if (kind === 0) return p;
    const reported = encodeCell(p.lat, p.lon, positionPrecision);
    if (kind === 1) return { ...p, reported };
    return { ...p, reported, accuracy: 1 + Math.floor(random.next() * MAX_ACCURACY_METERS) };
  });
}

export interface RedPerson {
  person: number;
  infectiousFromMs: number;
  /** How the infectious start was chosen (for checks that every kind occurs). */
  kind: 'before' | 'window-start' | 'mid-window' | 'at-own-ping';
}

interface Stay {
  place: Place;
  spot: LatLon;
  fromSlot: number;
}

const DURATION_SLOTS: Record<PlaceKind, [number, number]> = {
  home: [3, 10],
  work: [4, 12],
  shop: [1, 3],
  station: [1, 2],
  venue: [2, 5],
};
const OFFLINE_CHANCE = 0.03;
const EDGE_CHANCE = 0.15;
const MOVE_PINGS_CHANCE = 0.6;
const STREAM = { layout: 1, person: 2, ping: 3, red: 4 };

export class City {
  readonly places: Place[];
  readonly firstSlot: number;
  /** Exclusive. */
  readonly endSlot: number;
  readonly red: RedPerson[];
  readonly yellow: number[];
  private readonly homes: Place[];
  private readonly byKind: Record<Exclude<PlaceKind, 'home'>, Place[]>;
  private readonly slotMs: number;
  private readonly slotsPerWindow: number;

  constructor(readonly options: CityOptions) {
    const o = options;
    if (o.windowSeconds % o.slotSeconds !== 0) throw new Error('slotSeconds must divide windowSeconds');
    this.slotMs = o.slotSeconds * 1000;
    this.slotsPerWindow = o.windowSeconds / o.slotSeconds;
    this.firstSlot = o.firstWindowId * this.slotsPerWindow;
    this.endSlot = this.firstSlot + o.windowCount * this.slotsPerWindow;
    this.places = layOutPlaces(new Random(mixSeed(o.seed, STREAM.layout)), o.people, Math.ceil(o.people / 2.5));
    this.homes = this.places.filter((p) => p.kind === 'home');
    this.byKind = { work: [], shop: [], station: [], venue: [] };
    for (const p of this.places) if (p.kind !== 'home') this.byKind[p.kind].push(p);
    ({ red: this.red, yellow: this.yellow } = this.chooseCodes());
  }

  get startMs(): number {
    return this.firstSlot * this.slotMs;
  }

  get endMs(): number {
    return this.endSlot * this.slotMs;
  }

  /** Where a person goes, stay by stay, over the simulated slots. */
  itinerary(person: number): Stay[] {
    const rng = new Random(mixSeed(this.options.seed, STREAM.person, person));
    const home = this.homes[person % this.homes.length];
    const work = rng.chance(0.75) ? rng.pick(this.byKind.work) : null;
    const haunts: Record<PlaceKind, Place[]> = {
      home: [home],
      work: work ? [work] : [],
      shop: [rng.pick(this.byKind.shop), rng.pick(this.byKind.shop)],
      station: [rng.pick(this.byKind.station)],
      venue: [rng.pick(this.byKind.venue)],
    };
    const weights: [PlaceKind, number][] = [
      ['home', 3],
      ['work', work ? 3 : 0],
      ['shop', 2],
      ['station', 2],
      ['venue', 1],
    ];
    const stays: Stay[] = [];
    let kind: PlaceKind = rng.pick(['home', 'home', 'work', 'station', 'shop', 'venue'] as const);
    if (!work && kind === 'work') kind = 'home';
    // The first stay began before the simulation, so people are spread over their stays at the start.
    for (let slot = this.firstSlot - rng.int(0, 4); slot < this.endSlot;) {
      const place = rng.pick(haunts[kind]);
      stays.push({ place, spot: pointInDisc(rng, place, place.radiusMeters), fromSlot: slot });
      const [min, max] = DURATION_SLOTS[kind];
      slot += rng.int(min, max);
      const choices = weights.filter(([k, w]) => k !== kind && w > 0);
      let r = rng.next() * choices.reduce((s, [, w]) => s + w, 0);
      kind = choices.find(([, w]) => (r -= w) < 0)?.[0] ?? 'home';
    }
    return stays;
  }

  /**
   * The pings of one person in one slot: usually one, at a random moment of the slot; sometimes
   * none (phone off); at a window's first or last second now and then; two or three on the way
   * when the person moves to the next place during that slot.
   */
  pingsOf(person: number, slot: number, itinerary = this.itinerary(person)): SimPing[] {
    const rng = new Random(mixSeed(this.options.seed, STREAM.ping, person, slot));
    if (rng.chance(OFFLINE_CHANCE)) return [];
    let i = itinerary.length - 1;
    while (i > 0 && itinerary[i].fromSlot > slot) i--;
    const stay = itinerary[i];
    const startMs = slot * this.slotMs;
    const at = (tsMs: number, where: LatLon): SimPing => {
      const p = offsetMeters(where, (rng.next() - 0.5) * 4, (rng.next() - 0.5) * 4);
      return { person, tsMs, lat: p.lat, lon: p.lon, cell: encodeCell(p.lat, p.lon, this.options.precision) };
    };
    const prev = itinerary[i - 1];
    if (stay.fromSlot === slot && prev && rng.chance(MOVE_PINGS_CHANCE)) {
      // On the move: leaving, half-way, arriving; all inside this slot.
      const mid = { lat: (prev.spot.lat + stay.spot.lat) / 2, lon: (prev.spot.lon + stay.spot.lon) / 2 };
      const marks = rng.chance(0.5) ? [0.1, 0.5, 0.9] : [0.2, 0.8];
      const where = marks.length === 3 ? [prev.spot, mid, stay.spot] : [prev.spot, stay.spot];
      return marks.map((m, k) => at(startMs + Math.floor(m * this.slotMs) + rng.int(0, 50), where[k]));
    }
    const inWindow = slot % this.slotsPerWindow;
    let tsMs = startMs + rng.int(0, this.slotMs - 1);
    if (inWindow === 0 && rng.chance(EDGE_CHANCE)) tsMs = startMs + (rng.chance(0.3) ? 0 : rng.int(0, 999));
    else if (inWindow === this.slotsPerWindow - 1 && rng.chance(EDGE_CHANCE))
      tsMs = startMs + this.slotMs - 1 - (rng.chance(0.3) ? 0 : rng.int(0, 999));
    return [at(tsMs, stay.spot)];
  }

  /** Every ping of the simulation, slot by slot. */
  *pings(): Generator<SimPing> {
    const itineraries = Array.from({ length: this.options.people }, (_, p) => this.itinerary(p));
    for (let slot = this.firstSlot; slot < this.endSlot; slot++) {
      for (let p = 0; p < this.options.people; p++) yield* this.pingsOf(p, slot, itineraries[p]);
    }
  }

  private chooseCodes(): { red: RedPerson[]; yellow: number[] } {
    const o = this.options;
    const rng = new Random(mixSeed(o.seed, STREAM.red));
    const order = Array.from({ length: o.people }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const redCount = Math.max(1, Math.round(o.people * o.redFraction));
    const red = order.slice(0, redCount).map((person, k): RedPerson => {
      const kind = (['before', 'before', 'window-start', 'mid-window', 'at-own-ping'] as const)[k % 5];
      const windowStartMs = (o.firstWindowId + rng.int(1, Math.max(1, o.windowCount - 1))) * o.windowSeconds * 1000;
      if (kind === 'before') return { person, kind, infectiousFromMs: this.startMs - 86_400_000 };
      if (kind === 'window-start') return { person, kind, infectiousFromMs: windowStartMs };
      if (kind === 'mid-window')
        return { person, kind, infectiousFromMs: windowStartMs - rng.int(1, o.windowSeconds * 1000 - 1) };
      const slot = rng.int(this.firstSlot, this.endSlot - 1);
      const own = this.pingsOf(person, slot);
      return {
        person,
        kind: own.length ? kind : 'mid-window',
        infectiousFromMs: own[0]?.tsMs ?? slot * this.slotMs + 1,
      };
    });
    const yellow = order.slice(redCount, redCount + Math.round(o.people * o.yellowFraction));
    return { red, yellow };
  }
}
