import { isoTime, toPingBatch } from './ping-copy-rows.js';

describe('isoTime', () => {
  it.each([0, 1, 999, 59_999, 86_399_999, 86_400_000, Date.UTC(2026, 10, 24, 23, 59, 59, 7), Date.UTC(2024, 1, 29, 12, 0, 0, 500), Date.UTC(9999, 11, 31, 23, 59, 59, 999)])(
    'writes %d as toISOString does',
    (ms) => {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    },
  );

  it('agrees with toISOString over many random times of the retention', () => {
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const ms = now - Math.floor(Math.random() * 20 * 86_400_000);
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe('toPingBatch', () => {
  it('writes one COPY text row per ping and lists the days they fall in', () => {
    const a = Date.UTC(2026, 10, 23, 23, 59, 0);
    const b = Date.UTC(2026, 10, 24, 0, 1, 0);
    const batch = toPingBatch({ userIds: ['7', '7'], tsMs: [a, b], cells: ['u33dc0cp', 'u33dc0cr'] });
    expect(batch.copyText).toBe('7\t2026-11-23T23:59:00.000Z\tu33dc0cp\n7\t2026-11-24T00:01:00.000Z\tu33dc0cr\n');
    expect([...batch.days]).toEqual([Math.floor(a / 86_400_000), Math.floor(b / 86_400_000)]);
  });
});
