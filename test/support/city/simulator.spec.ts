import { cellAt, gridCell } from './oracle-cells.js';
import { City, type CityOptions } from './simulator.js';

const OPTIONS: CityOptions = {
  seed: 11,
  people: 600,
  firstWindowId: 29_000_000,
  windowCount: 3,
  windowSeconds: 60,
  slotSeconds: 10,
  precision: 8,
  redFraction: 0.05,
  yellowFraction: 0.03,
};

describe('city simulator', () => {
  const city = new City(OPTIONS);
  const pings = [...city.pings()];

  it('is deterministic from its seed', () => {
    expect([...new City(OPTIONS).pings()]).toEqual(pings);
    expect([...new City({ ...OPTIONS, seed: 12 }).pings()]).not.toEqual(pings);
    expect(city.pingsOf(5, city.firstSlot + 3)).toEqual(
      pings.filter((p) => p.person === 5 && Math.floor(p.tsMs / 10_000) === city.firstSlot + 3),
    );
  });

  it('pings about once a slot per person, inside the simulated windows, with cells of the true positions', () => {
    const slots = city.endSlot - city.firstSlot;
    expect(pings.length).toBeGreaterThan(OPTIONS.people * slots * 0.95);
    expect(pings.length).toBeLessThan(OPTIONS.people * slots * 1.2);
    for (const p of pings) {
      expect(p.tsMs).toBeGreaterThanOrEqual(city.startMs);
      expect(p.tsMs).toBeLessThan(city.endMs);
      expect(p.cell).toHaveLength(8);
    }
    const keys = new Set(pings.map((p) => `${p.person}|${p.tsMs}`));
    expect(keys.size).toBe(pings.length); // (user, ts) is the key of a stored ping
  });

  it('puts pings on the first and last millisecond and second of windows', () => {
    const inWindow = pings.map((p) => p.tsMs % 60_000);
    expect(inWindow.filter((ms) => ms === 0).length).toBeGreaterThan(5);
    expect(inWindow.filter((ms) => ms === 59_999).length).toBeGreaterThan(5);
    expect(inWindow.filter((ms) => ms > 0 && ms < 1_000).length).toBeGreaterThan(5);
    expect(inWindow.filter((ms) => ms > 59_000 && ms < 59_999).length).toBeGreaterThan(5);
  });

  it('has people moving between cells within a slot', () => {
    const bySlot = new Map<string, Set<string>>();
    for (const p of pings) {
      const key = `${p.person}|${Math.floor(p.tsMs / 10_000)}`;
      (bySlot.get(key) ?? bySlot.set(key, new Set()).get(key)!).add(p.cell);
    }
    expect([...bySlot.values()].filter((cells) => cells.size > 1).length).toBeGreaterThan(50);
  });

  it('has neighbouring cells with different 4- and 5-character prefixes, on border places', () => {
    expect(city.places.filter((p) => p.onBorder).length).toBeGreaterThan(5);
    const cells = new Set(pings.map((p) => p.cell));
    const around = (c: string) => {
      const g = gridCell(c);
      return [-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => cellAt(8, g.x + dx, g.y + dy)));
    };
    const pairs = (prefix: number) =>
      [...cells].filter((a) => around(a).some((b) => cells.has(b) && a.slice(0, prefix) !== b.slice(0, prefix))).length;
    expect(pairs(4)).toBeGreaterThan(20);
    expect(pairs(5)).toBeGreaterThan(20);
  });

  it('has red people infectious from before, from a window start, from mid-window and from one of their own pings; and people already yellow', () => {
    const kinds = new Set(city.red.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['at-own-ping', 'before', 'mid-window', 'window-start']);
    expect(city.red.length).toBe(30);
    for (const r of city.red.filter((x) => x.kind === 'at-own-ping'))
      expect(pings.some((p) => p.person === r.person && p.tsMs === r.infectiousFromMs)).toBe(true);
    for (const r of city.red.filter((x) => x.kind === 'mid-window')) expect(r.infectiousFromMs % 60_000).not.toBe(0);
    expect(city.yellow.length).toBe(18);
    expect(city.yellow.filter((p) => city.red.some((r) => r.person === p))).toEqual([]);
  });
});
