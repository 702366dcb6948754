import { encodeCell, MAX_ACCURACY_METERS } from '#libs/geo/index.js';
import { parsePingBatch } from './ping-batch.parser.js';

const now = 1_795_000_000_000;
const problemsOf = (body: unknown): { index?: number; field: string }[] => {
  try {
    parsePingBatch(body, 8);
  } catch (err) {
    return (err as { details: { index?: number; field: string }[] }).details.map(({ index, field }) =>
      index === undefined ? { field } : { index, field },
    );
  }
  throw new Error('no problem found');
};

describe('parsePingBatch', () => {
  it('turns coordinates into cells and positions of about a metre, truncates long geohashes, reads both time forms', () => {
    expect(
      parsePingBatch(
        {
          pings: [
            { ts: now, lat: 52.52, lon: 13.405 },
            { ts: new Date(now).toISOString(), geohash: 'u33dc0cpzzzz' },
          ],
        },
        8,
      ),
    ).toEqual([
      { tsMs: now, cell: encodeCell(52.52, 13.405, 8), position: encodeCell(52.52, 13.405, 10), accuracy: 0 },
      { tsMs: now, cell: 'u33dc0cp', position: 'u33dc0cpzz', accuracy: 0 },
    ]);
  });

  it('keeps a reported accuracy in whole metres rounded up, at most MAX_ACCURACY_METERS', () => {
    const accuracies = [0, 0.2, 4, 4.01, 10, 250].map((accuracy) => ({ ts: now, lat: 52.52, lon: 13.405, accuracy }));
    expect(parsePingBatch({ pings: accuracies }, 8).map((p) => p.accuracy)).toEqual([0, 1, 4, 5, 10, 10]);
    expect(MAX_ACCURACY_METERS).toBe(10);
  });

  it.each([
    ['a body that is not an object', [], [{ field: 'pings' }]],
    ['no pings', {}, [{ field: 'pings' }]],
    ['pings not an array', { pings: {} }, [{ field: 'pings' }]],
    ['an empty batch', { pings: [] }, [{ field: 'pings' }]],
    [
      'too many pings',
      { pings: Array.from({ length: 1001 }, () => ({ ts: now, geohash: 'u33dc0cp' })) },
      [{ field: 'pings' }],
    ],
    ['an unknown top-level field', { pings: [{ ts: now, geohash: 'u33dc0cp' }], color: 'red' }, [{ field: 'color' }]],
    ['an item that is not an object', { pings: [5] }, [{ index: 0, field: 'ping' }]],
    [
      'an unknown item field',
      { pings: [{ ts: now, geohash: 'u33dc0cp', userId: '1' }] },
      [{ index: 0, field: 'userId' }],
    ],
    ['no time', { pings: [{ geohash: 'u33dc0cp' }] }, [{ index: 0, field: 'ts' }]],
    ['a negative time', { pings: [{ ts: -1, geohash: 'u33dc0cp' }] }, [{ index: 0, field: 'ts' }]],
    ['a fractional time', { pings: [{ ts: 1.5, geohash: 'u33dc0cp' }] }, [{ index: 0, field: 'ts' }]],
    ['a time that is not one', { pings: [{ ts: 'yesterday', geohash: 'u33dc0cp' }] }, [{ index: 0, field: 'ts' }]],
    ['lat as a string', { pings: [{ ts: now, lat: '1', lon: 1 }] }, [{ index: 0, field: 'lat' }]],
    ['lat out of range', { pings: [{ ts: now, lat: 90.1, lon: 1 }] }, [{ index: 0, field: 'lat' }]],
    ['lon out of range', { pings: [{ ts: now, lat: 1, lon: -180.5 }] }, [{ index: 0, field: 'lon' }]],
    ['lat without lon', { pings: [{ ts: now, lat: 1 }] }, [{ index: 0, field: 'lon' }]],
    ['NaN-like lat', { pings: [{ ts: now, lat: null, lon: 1 }] }, [{ index: 0, field: 'lat' }]],
    ['no location', { pings: [{ ts: now }] }, [{ index: 0, field: 'geohash' }]],
    ['a negative accuracy', { pings: [{ ts: now, lat: 1, lon: 1, accuracy: -1 }] }, [{ index: 0, field: 'accuracy' }]],
    [
      'an accuracy as a string',
      { pings: [{ ts: now, geohash: 'u33dc0cp', accuracy: '5' }] },
      [{ index: 0, field: 'accuracy' }],
    ],
    [
      'an accuracy beyond 10 km',
      { pings: [{ ts: now, lat: 1, lon: 1, accuracy: 10_001 }] },
      [{ index: 0, field: 'accuracy' }],
    ],
    [
      'both coordinates and a geohash',
      { pings: [{ ts: now, lat: 1, lon: 1, geohash: 'u33dc0cp' }] },
      [{ index: 0, field: 'geohash' }],
    ],
    [
      'a geohash with a letter outside base32',
      { pings: [{ ts: now, geohash: 'u33dc0ca' }] },
      [{ index: 0, field: 'geohash' }],
    ],
    ['an upper-case geohash', { pings: [{ ts: now, geohash: 'U33DC0CP' }] }, [{ index: 0, field: 'geohash' }]],
    ['a geohash longer than 12', { pings: [{ ts: now, geohash: 'u'.repeat(13) }] }, [{ index: 0, field: 'geohash' }]],
    [
      'a geohash shorter than the precision',
      { pings: [{ ts: now, geohash: 'u33d' }] },
      [{ index: 0, field: 'geohash' }],
    ],
    ['a geohash that is a number', { pings: [{ ts: now, geohash: 12345678 }] }, [{ index: 0, field: 'geohash' }]],
  ])('refuses %s, naming the field', (_, body, expected) => {
    expect(problemsOf(body)).toEqual(expected);
  });

  it('reports every bad item with its index, not only the first', () => {
    const good = { ts: now, geohash: 'u33dc0cp' };
    expect(problemsOf({ pings: [good, { ts: now, lat: 100, lon: 0 }, good, { geohash: 'u33dc0cp' }] })).toEqual([
      { index: 1, field: 'lat' },
      { index: 3, field: 'ts' },
    ]);
  });

  it('never echoes the value it refuses', () => {
    try {
      parsePingBatch({ pings: [{ ts: 'SECRET-VALUE', geohash: 'SECRET' }] }, 8);
    } catch (err) {
      expect(JSON.stringify(err)).not.toContain('SECRET');
      expect((err as Error).message).not.toContain('SECRET');
    }
  });
});
