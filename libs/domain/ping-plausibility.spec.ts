import { cellBounds, encodeCell, METERS_PER_DEGREE } from '#libs/geo/index.js';
import { isPlausibleMove, judgePings, type KnownTrack, type TrackPing } from './ping-plausibility.js';

const grid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };
const rules = { maxSpeedKmh: 300, maxPingsPerSlot: 30 };
const T0 = 1_764_580_800_000; // the start of a slot
const HOME = { lat: 52.520008, lon: 13.4048 };

/** The position kept for a point `north` and `east` metres from home (a geohash of 10 characters). */
function at(north: number, east = 0): string {
  const lat = HOME.lat + north / METERS_PER_DEGREE;
  const lon = HOME.lon + east / (METERS_PER_DEGREE * Math.cos((HOME.lat * Math.PI) / 180));
  return encodeCell(lat, lon, 10);
}
const ping = (seconds: number, position: string, accuracy = 0): TrackPing => ({
  tsMs: T0 + seconds * 1000,
  position,
  accuracy,
});
const nothingKnown: KnownTrack = { last: null, slotCounts: new Map() };

describe('isPlausibleMove', () => {
  it.each([
    ['staying put', ping(0, at(0)), ping(60, at(0)), true],
    ['walking 100 m in a minute', ping(0, at(0)), ping(60, at(100)), true],
    ['250 km/h (5 km in 72 s)', ping(0, at(0)), ping(72, at(5000)), true],
    ['350 km/h (5 km in about 51 s)', ping(0, at(0)), ping(51.4, at(5000)), false],
    ['exactly 300 km/h (5 km in 60 s)', ping(0, at(0)), ping(60, at(4999.9)), true],
    ['two places at the same time', ping(0, at(0)), ping(0, at(50)), false],
    ['the same place at the same time', ping(0, at(0)), ping(0, at(0)), true],
    ['backwards in time: the same rule', ping(60, at(0)), ping(0, at(10_000)), false],
  ])('%s: %s', (_name, a, b, expected) => {
    expect(isPlausibleMove(a, b, 300)).toBe(expected);
    expect(isPlausibleMove(b, a, 300)).toBe(expected);
  });

  it('measures a coarse position from the edge of its cell, never its centre', () => {
    const coarse = encodeCell(HOME.lat, HOME.lon, 5); // about 4.9 x 4.9 km
    const b = cellBounds(coarse);
    const corner = encodeCell(b.minLat + 1e-6, b.minLon + 1e-6, 10);
    // From the corner to the cell's centre is about 3 km: 1 s apart, only the cell's edge makes it plausible.
    expect(isPlausibleMove(ping(0, corner), ping(1, coarse), 300)).toBe(true);
    expect(
      isPlausibleMove(
        ping(0, corner),
        ping(1, encodeCell((b.minLat + b.maxLat) / 2, (b.minLon + b.maxLon) / 2, 10)),
        300,
      ),
    ).toBe(false);
  });

  it('lets the accuracies a phone reported cover the excess', () => {
    // 300 km/h for 1 s is 83.3 m: 100 m is too far, unless the two fixes may each be 10 m off.
    expect(isPlausibleMove(ping(0, at(0)), ping(1, at(100)), 300)).toBe(false);
    expect(isPlausibleMove(ping(0, at(0), 10), ping(1, at(100), 10), 300)).toBe(true);
  });
});

describe('judgePings', () => {
  it.each<[string, TrackPing[], KnownTrack, string[]]>([
    ['a phone staying put', [0, 60, 120, 180].map((s) => ping(s, at(0))), nothingKnown, ['ok', 'ok', 'ok', 'ok']],
    [
      'a walk',
      [0, 60, 120].map((s, k) => ping(s, at(80 * k))),
      { last: ping(-60, at(-80)), slotCounts: new Map() },
      ['ok', 'ok', 'ok'],
    ],
    [
      'a jump is refused, and the track goes on from the ping before it',
      [ping(0, at(0)), ping(10, at(20_000)), ping(20, at(50))],
      nothingKnown,
      ['ok', 'too-fast', 'ok'],
    ],
    [
      'a spray a millisecond apart: the first is kept, the rest would need a jump',
      [0, 0.001, 0.002, 0.003].map((s, k) => ping(s, at(1000 * k, 500 * k))),
      nothingKnown,
      ['ok', 'too-fast', 'too-fast', 'too-fast'],
    ],
    [
      'a spray against the person known at home a second earlier: none is kept',
      [1, 1.001, 1.002].map((s, k) => ping(s, at(1000 * (k + 1)))),
      { last: ping(0, at(0)), slotCounts: new Map() },
      ['too-fast', 'too-fast', 'too-fast'],
    ],
    [
      'old pings sent late: far in time from the newest known ping, they may be far in space',
      [ping(-7200, at(100_000)), ping(-7140, at(100_100))],
      { last: ping(0, at(0)), slotCounts: new Map() },
      ['ok', 'ok'],
    ],
    [
      'a ping before the newest known one must reach it too',
      [ping(-10, at(-5000)), ping(-10, at(-20))],
      { last: ping(0, at(0)), slotCounts: new Map() },
      ['too-fast', 'ok'],
    ],
    [
      'a batch sent newest first is judged in time order',
      [ping(20, at(50)), ping(10, at(20_000)), ping(0, at(0))],
      nothingKnown,
      ['ok', 'too-fast', 'ok'],
    ],
    ['the same ping sent again is kept', [ping(0, at(0))], { last: ping(0, at(0)), slotCounts: new Map() }, ['ok']],
  ])('%s', (_name, pings, known, expected) => {
    expect(judgePings(pings, known, rules, grid)).toEqual(expected);
  });

  it('keeps at most maxPingsPerSlot per slot, counting those already known', () => {
    const batch = [...Array.from({ length: 6 }, (_, k) => ping(k, at(0))), ping(300, at(0)), ping(301, at(0))];
    const slot = Math.floor(T0 / 300_000);
    const few = { ...rules, maxPingsPerSlot: 4 };
    expect(judgePings(batch, nothingKnown, few, grid)).toEqual([
      ...['ok', 'ok', 'ok', 'ok', 'slot-full', 'slot-full'],
      ...['ok', 'ok'],
    ]);
    expect(judgePings(batch, { last: null, slotCounts: new Map([[slot, 3]]) }, few, grid)).toEqual([
      ...['ok', 'slot-full', 'slot-full', 'slot-full', 'slot-full', 'slot-full'],
      ...['ok', 'ok'],
    ]);
    expect(judgePings(batch, { last: null, slotCounts: new Map([[slot + 1, 4]]) }, few, grid).slice(6)).toEqual([
      'slot-full',
      'slot-full',
    ]);
  });

  it('refused pings take no room in the slot', () => {
    const batch = [ping(0, at(0)), ping(1, at(10_000)), ping(2, at(10_000)), ping(3, at(0))];
    expect(judgePings(batch, nothingKnown, { ...rules, maxPingsPerSlot: 2 }, grid)).toEqual([
      'ok',
      'too-fast',
      'too-fast',
      'ok',
    ]);
  });
});
