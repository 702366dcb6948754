import { agreement, exactContacts, trueDistanceMeters, type TruePing, type TruthRules } from './ground-truth.js';
import { CITY_CENTRE, offsetMeters } from './places.js';

const RULES: TruthRules = {
  windowSeconds: 60,
  slotSeconds: 10,
  autoSeconds: 30,
  reviewSeconds: 20,
  meters: 20,
  seconds: 10,
};
const W = 29_000_000;
const T0 = W * 60_000;
const at = (slotInWindow: number, msInSlot = 5_000) => T0 + slotInWindow * 10_000 + msInSlot;
const EARLY = T0 - 86_400_000;
/** A ping `north` and `east` metres from the city centre. */
const p = (userId: string, tsMs: number, north = 0, east = 0): TruePing => ({
  userId,
  tsMs,
  ...offsetMeters(CITY_CENTRE, north, east),
});

function truth(pings: TruePing[], red: Record<string, number>, rules: Partial<TruthRules> = {}) {
  return exactContacts({ pings, infectiousFromMs: new Map(Object.entries(red)), rules: { ...RULES, ...rules } });
}

describe('exact contacts (ground truth from true positions)', () => {
  it('measures distance in metres', () => {
    expect(trueDistanceMeters(p('a', 0), p('b', 0, 12, 16))).toBeCloseTo(20, 3);
    expect(trueDistanceMeters(p('a', 0, 0, -30), p('b', 0, 0, 30))).toBeCloseTo(60, 3);
  });

  it('a contact is within R metres, that distance included, in any direction', () => {
    const run = (north: number, east: number) =>
      truth([p('1', at(2)), p('2', at(2, 6_000), north, east)], { '1': EARLY }).pairs;
    expect([run(0, 0), run(19.99, 0), run(0, -19.99), run(14, 14), run(20.01, 0), run(0, 20.01), run(15, 15)]).toEqual([
      1, 1, 1, 1, 0, 0, 0,
    ]);
  });

  it('a contact is within T seconds, that instant included, across slot and window edges', () => {
    const run = (sourceTs: number) => truth([p('1', sourceTs), p('2', at(3, 0))], { '1': EARLY }).exposures;
    const contactSlot = [W * 6 + 3];
    expect(run(at(3, 0) - 10_000)).toEqual([{ windowId: W, contactId: '2', sourceId: '1', slots: contactSlot }]);
    expect(run(at(3, 0) + 10_000)).toHaveLength(1);
    expect(run(at(3, 0) - 10_001)).toEqual([]);
    expect(run(at(3, 0) + 10_001)).toEqual([]);
    // Same slot yet too far apart in time is no contact at a smaller T.
    expect(truth([p('1', at(3, 500)), p('2', at(3, 9_500))], { '1': EARLY }, { seconds: 5 }).pairs).toBe(0);
    // The contact's slot counts in the contact's window, whatever window the source ping is in.
    const edge = truth([p('1', T0 + 60_000 + 2_000), p('2', T0 + 60_000 - 3_000)], { '1': EARLY }).exposures;
    expect(edge).toEqual([{ windowId: W, contactId: '2', sourceId: '1', slots: [W * 6 + 5] }]);
  });

  it('a source ping counts from the infectious start on, that instant included', () => {
    const from = at(2, 3_000);
    const run = (sourceTs: number) => truth([p('1', sourceTs), p('2', at(2))], { '1': from }).pairs;
    expect([run(from - 1), run(from), run(from + 1)]).toEqual([0, 1, 1]);
  });

  it('exposure is distinct contact slots x slot length over all sources; the policy decides as docs/domain.md says', () => {
    // Source 9 stands still at the centre for the whole window. Contact 1 is 10 m away for one
    // slot, 2 for two, 3 for three (twice in one of them), 4 for three slots but 25 m away, 5
    // meets source 8 in slot 0 and source 9 in slot 1.
    const source = [0, 1, 2, 3, 4, 5].map((s) => p('9', at(s)));
    const near = (userId: string, slots: number[], north = 10) => slots.map((s) => p(userId, at(s, 6_000), north));
    const pings = [
      ...source,
      ...near('1', [0]),
      ...near('2', [0, 1]),
      ...near('3', [0, 1, 2]),
      p('3', at(1, 9_000), 5),
      ...near('4', [0, 1, 2], 25),
      p('8', at(0), 500),
      p('5', at(0, 6_000), 505),
      p('5', at(1, 6_000), 5),
    ];
    const { exposures, requests } = truth(pings, { '9': EARLY, '8': EARLY });
    expect(exposures.map((e) => [e.contactId, e.sourceId, e.slots.length])).toEqual([
      ['1', '9', 1],
      ['2', '9', 2],
      ['3', '9', 3],
      ['5', '8', 1],
      ['5', '9', 1],
    ]);
    expect(requests).toEqual([
      { windowId: W, userId: '2', auto: false, exposureSeconds: 20 },
      { windowId: W, userId: '3', auto: true, exposureSeconds: 30 },
      { windowId: W, userId: '5', auto: false, exposureSeconds: 20 },
    ]);
  });

  it('red contacts and a source itself get no request; red people are still each other’s contacts', () => {
    const pings = [0, 1, 2].flatMap((s) => [p('1', at(s)), p('2', at(s), 3)]);
    const { exposures, requests } = truth(pings, { '1': EARLY, '2': EARLY });
    expect(exposures.map((e) => [e.contactId, e.sourceId])).toEqual([
      ['1', '2'],
      ['2', '1'],
    ]);
    expect(requests).toEqual([]);
  });

  it('recall and precision of a found set against the truth', () => {
    expect(agreement(['a', 'b', 'x'], ['a', 'b', 'c', 'd'])).toEqual({
      found: 3,
      truth: 4,
      both: 2,
      recall: 0.5,
      precision: 2 / 3,
    });
    expect(agreement([], [])).toEqual({ found: 0, truth: 0, both: 0, recall: 1, precision: 1 });
  });
});
