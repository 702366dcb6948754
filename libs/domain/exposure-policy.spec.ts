import {
  applyCircuitBreaker,
  decideExposure,
  defaultInfectiousFromMs,
  exposureSeconds,
  quarantineExtension,
  extendQuarantine,
  isInfectiousAt,
  quarantineExpiresAtMs,
  type ExposureDecision,
} from './exposure-policy.js';

const DEFAULTS = { autoSeconds: 900, reviewSeconds: 300 };

describe('exposureSeconds', () => {
  it.each([
    [0, 300, 0],
    [1, 300, 300],
    [3, 300, 900],
    [7, 10, 70],
  ])('%d slots x %d s = %d s', (slots, slotSeconds, expected) => {
    expect(exposureSeconds(slots, slotSeconds)).toBe(expected);
  });
});

describe('decideExposure', () => {
  it.each([
    [0, 'none'],
    [299, 'none'],
    [299.999, 'none'],
    [300, 'review'],
    [600, 'review'],
    [899, 'review'],
    [900, 'auto'],
    [3600, 'auto'],
  ] as [number, ExposureDecision][])('%d s -> %s', (seconds, expected) => {
    expect(decideExposure(seconds, DEFAULTS)).toBe(expected);
  });

  it.each([
    [19, 'none'],
    [20, 'review'],
    [29, 'review'],
    [30, 'auto'],
  ] as [number, ExposureDecision][])('demo thresholds (20/30 s): %d s -> %s', (seconds, expected) => {
    expect(decideExposure(seconds, { autoSeconds: 30, reviewSeconds: 20 })).toBe(expected);
  });
});

describe('applyCircuitBreaker', () => {
  const items = (...decisions: ExposureDecision[]) => decisions.map((decision, i) => ({ id: i, decision }));

  it.each([
    ['below max', items('auto', 'review', 'none'), 2, false, ['auto', 'review', 'none']],
    ['exactly max', items('auto', 'auto', 'review'), 2, false, ['auto', 'auto', 'review']],
    ['max + 1', items('auto', 'auto', 'auto', 'none'), 2, true, ['review', 'review', 'review', 'none']],
    ['max 0, one auto', items('auto', 'none'), 0, true, ['review', 'none']],
    ['max 0, no auto', items('review', 'none'), 0, false, ['review', 'none']],
    ['empty', items(), 0, false, []],
  ])('%s', (_label, input, max, tripped, decisions) => {
    const result = applyCircuitBreaker(input, max);
    expect(result.tripped).toBe(tripped);
    expect(result.items.map((item) => item.decision)).toEqual(decisions);
    expect(result.items.map((item) => item.id)).toEqual(input.map((item) => item.id));
  });

  it('does not mutate its input', () => {
    const input = items('auto', 'auto', 'review');
    const snapshot = structuredClone(input);
    const result = applyCircuitBreaker(input, 1);
    expect(result.tripped).toBe(true);
    expect(input).toEqual(snapshot);
    expect(result.items).not.toBe(input);
    expect(result.items[0]).not.toBe(input[0]);
  });
});

describe('quarantine', () => {
  const DAY = 86_400_000;
  it.each([
    [1_000, 1_209_600, 1_000 + 14 * DAY],
    [0, 60, 60_000],
  ])('quarantineExpiresAtMs(%d, %d) = %d', (end, seconds, expected) => {
    expect(quarantineExpiresAtMs(end, seconds)).toBe(expected);
  });

  it.each([
    [null, 5_000, 5_000], // first exposure
    [4_000, 5_000, 5_000], // later exposure extends
    [6_000, 5_000, 6_000], // an older window traced late never shortens
    [5_000, 5_000, 5_000],
  ])('extendQuarantine(%s, %d) = %d', (current, next, expected) => {
    expect(extendQuarantine(current, next)).toBe(expected);
  });
});

describe('infectious period', () => {
  it.each([
    [1_700_000_000_000, 172_800, 1_699_827_200_000],
    [100_000, 60, 40_000],
  ])('defaultInfectiousFromMs(%d, %d) = %d', (setRedAt, lookback, expected) => {
    expect(defaultInfectiousFromMs(setRedAt, lookback)).toBe(expected);
  });

  it.each([
    [1_000, 999, false],
    [1_000, 1_000, true],
    [1_000, 1_001, true],
  ])('isInfectiousAt(from %d, at %d) = %s', (from, ts, expected) => {
    expect(isInfectiousAt(from, ts)).toBe(expected);
  });
});

describe('quarantineExtension', () => {
  it.each([
    ['a later expiry extends a running yellow', 'yellow', 2000, 3000, 1000, 3000],
    ['an earlier or equal expiry does not', 'yellow', 2000, 2000, 1000, null],
    ['an ended quarantine is not revived by old evidence', 'yellow', 900, 3000, 1000, null],
    ['green is not extended', 'green', null, 3000, 1000, null],
    ['red is not extended', 'red', null, 3000, 1000, null],
  ] as const)('%s', (_name, color, current, next, now, expected) => {
    expect(quarantineExtension(color, current, next, now)).toBe(expected);
  });
});
