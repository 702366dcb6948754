import { distanceMeters, EARTH_RADIUS_METERS } from './distance.js';

const DEGREE = (Math.PI * EARTH_RADIUS_METERS) / 180; // one degree of a great circle, ~111 195 m

describe('distanceMeters', () => {
  it.each([
    [{ lat: 0, lon: 0 }, { lat: 0, lon: 0 }, 0],
    [{ lat: 0, lon: 0 }, { lat: 1, lon: 0 }, DEGREE],
    [{ lat: 0, lon: 0 }, { lat: 0, lon: 1 }, DEGREE],
    [{ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 }, DEGREE], // across the antimeridian
    [{ lat: 90, lon: 0 }, { lat: -90, lon: 0 }, Math.PI * EARTH_RADIUS_METERS],
    [{ lat: 0, lon: 0 }, { lat: 0, lon: 180 }, Math.PI * EARTH_RADIUS_METERS], // antipodes: no NaN
    [{ lat: 60, lon: 0 }, { lat: 60, lon: 1 }, 55_597.5], // shrinks with cos(latitude)
  ])('%j to %j ~ %d m', (a, b, expected) => {
    expect(distanceMeters(a, b)).toBeCloseTo(expected, 0);
  });

  it('Paris to London is about 343.9 km', () => {
    const d = distanceMeters({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 });
    expect(d).toBeGreaterThan(343_000);
    expect(d).toBeLessThan(344_500);
  });

  it('is symmetric', () => {
    const a = { lat: 12.3, lon: 45.6 };
    const b = { lat: -7.8, lon: 90.1 };
    expect(distanceMeters(a, b)).toBe(distanceMeters(b, a));
  });
});
