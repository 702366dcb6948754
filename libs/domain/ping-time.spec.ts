import { classifyPingTime, type PingTimeVerdict } from './ping-time.js';

const NOW = 1_700_000_000_000;
const RULES = { retentionDays: 14, maxClockSkewSeconds: 120 };
const RETENTION_MS = 14 * 86_400_000;

describe('classifyPingTime', () => {
  it.each([
    ['now', NOW, 'ok'],
    ['exactly at the retention edge', NOW - RETENTION_MS, 'ok'],
    ['1 ms past retention', NOW - RETENTION_MS - 1, 'too-old'],
    ['a year ago', NOW - 365 * 86_400_000, 'too-old'],
    ['before 1970', -1, 'too-old'],
    ['exactly at the skew limit', NOW + 120_000, 'ok'],
    ['1 ms past the skew limit', NOW + 120_001, 'future'],
    ['tomorrow', NOW + 86_400_000, 'future'],
  ] as [string, number, PingTimeVerdict][])('%s -> %s', (_label, ts, expected) => {
    expect(classifyPingTime(ts, NOW, RULES)).toBe(expected);
  });

  it('zero skew rejects any future ping', () => {
    expect(classifyPingTime(NOW + 1, NOW, { ...RULES, maxClockSkewSeconds: 0 })).toBe('future');
    expect(classifyPingTime(NOW, NOW, { ...RULES, maxClockSkewSeconds: 0 })).toBe('ok');
  });
});
