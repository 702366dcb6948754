import { MAX_WINDOWS_PER_COMMAND, parseWindowRange } from './window-range.js';

const grid = { windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 };
const hour = (iso: string) => Date.parse(iso) / 3_600_000;

describe('parseWindowRange', () => {
  it('takes one id, or an inclusive range of ids', () => {
    expect(parseWindowRange('493000', grid)).toEqual([493000]);
    expect(parseWindowRange('493000..493002', grid)).toEqual([493000, 493001, 493002]);
  });

  it('takes ISO times: the windows holding them; a range ending on a window start excludes that window', () => {
    expect(parseWindowRange('2026-11-24T10:20:00Z', grid)).toEqual([hour('2026-11-24T10:00:00Z')]);
    expect(parseWindowRange('2026-11-24T10:00:00Z..2026-11-24T12:00:00Z', grid)).toEqual([
      hour('2026-11-24T10:00:00Z'),
      hour('2026-11-24T11:00:00Z'),
    ]);
    expect(parseWindowRange('2026-11-24T10:00:00Z..2026-11-24T12:30:00Z', grid)).toHaveLength(3);
  });

  it.each([
    ['', 'is not'],
    ['1..2..3', 'is not'],
    ['5..', 'is not'],
    ['abc', 'neither a window id'],
    ['10..9', 'ends before'],
    ['24-11-2026', 'neither'],
    [`0..${MAX_WINDOWS_PER_COMMAND}`, 'at most'],
  ])('refuses %j with a message', (text, message) => {
    expect(() => parseWindowRange(text, grid)).toThrow(message);
  });
});
