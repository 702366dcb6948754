import { CELL_RANGE_END, planShards, type PrefixCount } from './shard-plan.js';

const inRange = (cell: string, r: { from: string; to: string }) => cell >= r.from && cell < r.to;

describe('planShards', () => {
  const counts: PrefixCount[] = [
    { prefix: 'u4pru', pings: 10 },
    { prefix: 'u4prv', pings: 10 },
    { prefix: 'u4pry', pings: 10 },
    { prefix: 'u4pr0', pings: 30 },
    { prefix: 'u4prz', pings: 5 },
  ];

  it('returns no shard when there is no source ping', () => {
    expect(planShards([], 8, 1)).toEqual([]);
    expect(planShards([{ prefix: 'u4pru', pings: 0 }], 8, 1)).toEqual([]);
  });

  it('one shard covers every cell', () => {
    expect(planShards(counts, 1, 1)).toEqual([{ from: '', to: CELL_RANGE_END, sourcePings: 65 }]);
  });

  it('never makes more shards than prefixes, and each prefix lands in exactly one shard', () => {
    for (const max of [1, 2, 3, 4, 5, 6, 50]) {
      const plan = planShards(counts, max, 1);
      expect(plan.length).toBe(Math.min(max, counts.length));
      for (const c of counts) {
        const cell = `${c.prefix}abc`;
        expect(plan.filter((r) => inRange(cell, r))).toHaveLength(1);
      }
      expect(plan.reduce((n, r) => n + r.sourcePings, 0)).toBe(65);
    }
  });

  it('covers cells outside every planned prefix exactly once too (ranges are contiguous)', () => {
    const plan = planShards(counts, 3, 1);
    for (const cell of ['0000', 'u4pr', 'u4prw', 'zzzz']) expect(plan.filter((r) => inRange(cell, r))).toHaveLength(1);
    for (let i = 1; i < plan.length; i++) expect(plan[i].from).toBe(plan[i - 1].to);
  });

  it('balances ping counts and does not depend on input order', () => {
    const plan = planShards(counts, 2, 1);
    expect(plan.map((r) => r.sourcePings)).toEqual([30, 35]);
    expect(planShards([...counts].reverse(), 2, 1)).toEqual(plan);
  });

  it('does not cut little work into many shards', () => {
    expect(planShards(counts, 8, 30)).toHaveLength(2); // 65 pings, at least 30 each
    expect(planShards(counts, 8, 100)).toEqual([{ from: '', to: CELL_RANGE_END, sourcePings: 65 }]);
  });
});
