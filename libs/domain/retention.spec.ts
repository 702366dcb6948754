import { expiredPartitionDays, minimumRetentionDays } from './retention.js';

describe('expiredPartitionDays', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');
  it.each([
    ['a day ending well before the cut-off', '2026-11-01', true],
    ['the day ending just before the cut-off', '2026-11-09', true],
    ['the day holding the cut-off', '2026-11-10', false],
    ['today', '2026-11-24', false],
    ['a future day', '2026-11-26', false],
  ])('%s (%s): dropped = %s', (_, day, dropped) => {
    expect(expiredPartitionDays([day], now, 14)).toEqual(dropped ? [day] : []);
  });

  it('drops a day exactly when its end reaches the cut-off', () => {
    expect(expiredPartitionDays(['2026-11-09'], Date.parse('2026-11-24T00:00:00Z'), 14)).toEqual(['2026-11-09']);
    expect(expiredPartitionDays(['2026-11-10'], Date.parse('2026-11-24T23:59:59Z'), 14)).toEqual([]);
  });
});

describe('minimumRetentionDays', () => {
  it.each([
    [172_800, 3600, 600, 3],
    [0, 60, 5, 1],
    [14 * 86_400, 3600, 600, 15],
  ])('look-back %i s, window %i s, grace %i s -> %i days', (lookback, window, grace, days) => {
    expect(minimumRetentionDays(lookback, window, grace)).toBe(days);
  });
});
