import { finePosition, zoneOf } from '#libs/geo/index.js';
import { toPingBatch } from './ping-copy-rows.js';

/** Reads binary COPY tuples back (the layout Postgres reads). */
function readTuples(buf: Buffer): { userId: bigint; tsMs: number; cell: string; pos?: number[]; accuracy?: number }[] {
  const out = [];
  for (let o = 0; o < buf.length;) {
    expect(buf.readInt16BE(o)).toBe(8);
    expect(buf.readInt32BE(o + 2)).toBe(8);
    const userId = buf.readBigInt64BE(o + 6);
    expect(buf.readInt32BE(o + 14)).toBe(8);
    const us = buf.readBigInt64BE(o + 18);
    const len = buf.readInt32BE(o + 26);
    const row: { userId: bigint; tsMs: number; cell: string; pos?: number[]; accuracy?: number } = {
      userId,
      tsMs: Number(us / 1000n) + Date.UTC(2000, 0, 1),
      cell: buf.toString('latin1', o + 30, o + 30 + len),
    };
    o += 30 + len;
    if (buf.readInt32BE(o) === -1) {
      for (let k = 0; k < 3; k++) expect(buf.readInt32BE(o + 4 * k)).toBe(-1);
      o += 12;
    } else {
      row.pos = [buf.readInt32BE(o + 4), buf.readInt32BE(o + 12), buf.readInt16BE(o + 20)];
      o += 22;
    }
    if (buf.readInt32BE(o) === -1) o += 4;
    else {
      row.accuracy = buf.readInt16BE(o + 4);
      o += 6;
    }
    // The zone: the cell's first ZONE_LENGTH characters, the key pings are distributed by.
    const zoneLength = buf.readInt32BE(o);
    expect(buf.toString('latin1', o + 4, o + 4 + zoneLength)).toBe(zoneOf(row.cell));
    o += 4 + zoneLength;
    out.push(row);
  }
  return out;
}

describe('toPingBatch', () => {
  it('writes one binary COPY tuple per ping and lists the days they fall in', () => {
    const a = Date.UTC(2026, 10, 23, 23, 59, 0, 123);
    const b = Date.UTC(2026, 10, 24, 0, 1, 0);
    const batch = toPingBatch({
      userIds: ['7', '7'],
      tsMs: [a, b],
      cells: ['u33dc0cp', 'u33dc0cr'],
      positions: ['u33dc0cp', 'u33dc0crzz'],
      accuracies: [0, 7],
    });
    expect(readTuples(batch.copyTuples)).toEqual([
      { userId: 7n, tsMs: a, cell: 'u33dc0cp' },
      { userId: 7n, tsMs: b, cell: 'u33dc0cr', pos: expect.any(Array), accuracy: 7 },
    ]);
    const [lat, lon, len] = readTuples(batch.copyTuples)[1].pos!;
    const fine = finePosition('u33dc0crzz', 8)!;
    expect([lat / 1e7, lon / 1e7, len]).toEqual([expect.closeTo(fine.lat, 7), expect.closeTo(fine.lon, 7), 10]);
    expect([...batch.days]).toEqual([Math.floor(a / 86_400_000), Math.floor(b / 86_400_000)]);
  });

  it('keeps large user ids, times before 2000 and cells of every length exact', () => {
    const rows = {
      userIds: ['9007199254740993', '1'],
      tsMs: [Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2100, 0, 1)],
      cells: ['s', 'u33dc0cpzzzz'],
      positions: ['s', 'u33dc0cpzzzz'],
      accuracies: [0, 0],
    };
    expect(readTuples(toPingBatch(rows).copyTuples)).toEqual([
      { userId: 9007199254740993n, tsMs: rows.tsMs[0], cell: 's' },
      { userId: 1n, tsMs: rows.tsMs[1], cell: 'u33dc0cpzzzz' },
    ]);
  });

  it('refuses a cell longer than a geohash', () => {
    expect(() =>
      toPingBatch({ userIds: ['1'], tsMs: [0], cells: ['u'.repeat(13)], positions: ['u'.repeat(13)], accuracies: [0] }),
    ).toThrow(RangeError);
  });
});
