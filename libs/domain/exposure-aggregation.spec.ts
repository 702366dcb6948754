import {
  aggregateExposures,
  combinePairs,
  contactExposure,
  exposureSecondsBySlots,
  pairsFromHits,
  type CoLocationHit,
} from './exposure-aggregation.js';

const thresholds = { autoSeconds: 900, reviewSeconds: 300 };
const hit = (
  contactId: string,
  sourceId: string,
  slot: number,
  contactCell = 's0000000',
  meters = 5,
  secondsApart = 60,
): CoLocationHit => ({ contactId, sourceId, slot, contactCell, meters, secondsApart });

describe('aggregateExposures', () => {
  it.each([
    { name: 'no hits', hits: [], pairs: 0, contacts: [] },
    {
      name: 'two slots below review',
      hits: [hit('1', '9', 10)],
      pairs: 1,
      contacts: [{ contactId: '1', seconds: 300, decision: 'review' }],
    },
    {
      name: 'same slot from two sources counts once for the decision',
      hits: [hit('1', '8', 10), hit('1', '9', 10)],
      pairs: 2,
      contacts: [{ contactId: '1', seconds: 300, decision: 'review' }],
    },
    {
      name: 'distinct slots across sources add up to auto',
      hits: [hit('1', '8', 10), hit('1', '9', 11), hit('1', '9', 12)],
      pairs: 2,
      contacts: [{ contactId: '1', seconds: 900, decision: 'auto' }],
    },
    {
      name: 'a repeated hit of the same slot is not counted twice',
      hits: [hit('1', '9', 10), hit('1', '9', 10, 's0000001')],
      pairs: 1,
      contacts: [{ contactId: '1', seconds: 300, decision: 'review' }],
    },
  ])('$name', ({ hits, pairs, contacts }) => {
    const out = aggregateExposures(hits, 300, thresholds);
    expect(out.pairs).toHaveLength(pairs);
    expect(out.contacts.map(({ contactId, seconds, decision }) => ({ contactId, seconds, decision }))).toEqual(
      contacts,
    );
  });

  it('keeps per-pair evidence: sorted slots and cells, seconds per source', () => {
    const out = aggregateExposures([hit('1', '9', 12, 'b'), hit('1', '9', 10, 'a'), hit('1', '8', 11, 'c')], 10, {
      autoSeconds: 30,
      reviewSeconds: 20,
    });
    expect(out.pairs).toEqual([
      {
        contactId: '1',
        sourceId: '8',
        seconds: 10,
        slots: [11],
        cells: ['c'],
        closest: { meters: 5, secondsApart: 60 },
      },
      {
        contactId: '1',
        sourceId: '9',
        seconds: 20,
        slots: [10, 12],
        cells: ['a', 'b'],
        closest: { meters: 5, secondsApart: 60 },
      },
    ]);
    expect(out.contacts).toEqual([{ contactId: '1', seconds: 30, lastSlot: 12, decision: 'auto' }]);
  });

  it('does not depend on the order of the hits', () => {
    const hits = [hit('2', '9', 5), hit('10', '9', 6), hit('2', '8', 7), hit('10', '8', 6)];
    const a = aggregateExposures(hits, 300, thresholds);
    const b = aggregateExposures([...hits].reverse(), 300, thresholds);
    expect(b).toEqual(a);
    expect(a.contacts.map((c) => c.contactId)).toEqual(['2', '10']);
  });
});

describe('combinePairs', () => {
  // A deterministic spread of hits: 40 contacts, 5 sources, 12 slots, 3 cells.
  const hits: CoLocationHit[] = [];
  for (let i = 0; i < 400; i++)
    hits.push(
      hit(
        String(1 + ((i * 7) % 40)),
        String(100 + ((i * 3) % 5)),
        50 + ((i * 5) % 12),
        `s000000${i % 3}`,
        i % 17,
        i % 5,
      ),
    );

  it('gives the same pairs and decisions however the hits are split into shards', () => {
    const whole = aggregateExposures(hits, 300, thresholds);
    for (const shards of [2, 3, 7]) {
      const parts = Array.from({ length: shards }, (_, k) => pairsFromHits(hits.filter((_, i) => i % shards === k)));
      expect(combinePairs(parts.flat().reverse(), 300, thresholds)).toEqual(whole);
    }
  });

  it('merges the slots of one pair found in two shards (a slot counts once) and keeps the closest pings', () => {
    const { pairs, contacts } = combinePairs(
      [
        { contactId: '1', sourceId: '9', slots: [10, 11], cells: ['a'], closest: { meters: 4, secondsApart: 120 } },
        { contactId: '1', sourceId: '9', slots: [11, 12], cells: ['b'], closest: { meters: 4, secondsApart: 30 } },
        { contactId: '1', sourceId: '9', slots: [12], cells: ['b'], closest: { meters: 9, secondsApart: 0 } },
      ],
      300,
      thresholds,
    );
    expect(pairs).toEqual([
      {
        contactId: '1',
        sourceId: '9',
        seconds: 900,
        slots: [10, 11, 12],
        cells: ['a', 'b'],
        closest: { meters: 4, secondsApart: 30 },
      },
    ]);
    expect(contacts).toEqual([{ contactId: '1', seconds: 900, lastSlot: 12, decision: 'auto' }]);
  });
});

describe('contactExposure and exposureSecondsBySlots (what set-based SQL aggregation hands to the policy)', () => {
  const grid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };

  it('decides on distinct slots as combinePairs does', () => {
    const { contacts } = combinePairs(
      [
        { contactId: '1', sourceId: '8', slots: [10, 12], cells: [], closest: { meters: 1, secondsApart: 1 } },
        { contactId: '1', sourceId: '9', slots: [12, 14], cells: [], closest: { meters: 1, secondsApart: 1 } },
      ],
      300,
      thresholds,
    );
    expect(contactExposure({ contactId: '1', distinctSlots: 3, lastSlot: 14 }, 300, thresholds)).toEqual(contacts[0]);
  });

  it('tabulates a pair’s seconds for every slot count one window allows (one more for an unaligned grid)', () => {
    const table = exposureSecondsBySlots(grid);
    expect(table).toHaveLength(13);
    expect(table[0]).toBe(300);
    expect(table[11]).toBe(3600);
    expect(exposureSecondsBySlots({ windowSeconds: 60, slotSeconds: 25, graceSeconds: 5 })).toEqual([25, 50, 75, 100]);
  });
});
