import fc from 'fast-check';
import { GEOHASH_ALPHABET } from '#libs/geo/index.js';
import { parsePingBatch } from './ping-batch.parser.js';
import { scanPingBatch } from './ping-batch.scanner.js';

const PRECISION = 8;
const bytes = (s: string) => Buffer.from(s, 'utf8');
/** What the general path answers for a body: the pings, or null when it refuses the body. */
function general(body: Buffer, precision = PRECISION): unknown {
  try {
    return parsePingBatch(JSON.parse(body.toString('utf8')), precision);
  } catch {
    return null;
  }
}

const geohash = (min: number) =>
  fc.string({ unit: fc.constantFrom(...GEOHASH_ALPHABET), minLength: min, maxLength: 12 });
const ping = fc.record({ ts: fc.nat({ max: 999_999_999_999_999 }), geohash: geohash(PRECISION) });
const canonical = (pings: { ts: number; geohash: string }[]) =>
  `{"pings":[${pings.map((p) => `{"ts":${p.ts},"geohash":"${p.geohash}"}`).join(',')}]}`;
const batch = fc.array(ping, { minLength: 1, maxLength: 60 });

describe('scanPingBatch', () => {
  it("reads the phones' body as the general path does (cells truncated to the precision, positions to 10)", () => {
    const body = bytes('{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp"},{"ts":0,"geohash":"u33dc0cpzzzz"}]}');
    expect(scanPingBatch(body, PRECISION)).toEqual([
      { tsMs: 1_795_000_000_000, cell: 'u33dc0cp', position: 'u33dc0cp', accuracy: 0 },
      { tsMs: 0, cell: 'u33dc0cp', position: 'u33dc0cpzz', accuracy: 0 },
    ]);
    expect(scanPingBatch(body, 5)).toEqual(general(body, 5));
  });

  it('answers exactly what the general path answers for any batch of that shape, at any precision', () => {
    const atPrecision = fc.integer({ min: 1, max: 12 }).chain((precision) =>
      fc.tuple(
        fc.constant(precision),
        fc.array(fc.record({ ts: fc.nat({ max: 999_999_999_999_999 }), geohash: geohash(precision) }), {
          minLength: 1,
          maxLength: 60,
        }),
      ),
    );
    fc.assert(
      fc.property(atPrecision, ([precision, pings]) => {
        const body = bytes(canonical(pings));
        const scanned = scanPingBatch(body, precision);
        expect(scanned).not.toBeNull();
        expect(scanned).toEqual(general(body, precision));
      }),
      { numRuns: 500 },
    );
  });

  it('never answers otherwise than the general path for a body edited anywhere (or leaves it to that path)', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.string({
        unit: fc.constantFrom(...' \t\n\0"\\{}[],:.-+eE0123456789tsgeohash4u\u00e9\ufeff'.split('')),
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(batch, edit, (pings, { at, remove, insert }) => {
        const text = canonical(pings);
        const where = at % (text.length + 1);
        const body = bytes(text.slice(0, where) + insert + text.slice(where + remove));
        const scanned = scanPingBatch(body, PRECISION);
        if (scanned !== null) expect(scanned).toEqual(general(body));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['spaces', '{ "pings": [{"ts":1795000000000,"geohash":"u33dc0cp"}]}'],
    ['another key order', '{"pings":[{"geohash":"u33dc0cp","ts":1795000000000}]}'],
    ['an accuracy (the general path reads it)', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp","accuracy":5}]}'],
    ['coordinates', '{"pings":[{"ts":1795000000000,"lat":1,"lon":2}]}'],
    ['an ISO time', '{"pings":[{"ts":"2026-12-06T10:00:00Z","geohash":"u33dc0cp"}]}'],
    ['a leading zero', '{"pings":[{"ts":01795000000000,"geohash":"u33dc0cp"}]}'],
    ['a fraction', '{"pings":[{"ts":1795000000000.5,"geohash":"u33dc0cp"}]}'],
    ['an exponent', '{"pings":[{"ts":1795e9,"geohash":"u33dc0cp"}]}'],
    ['a negative time', '{"pings":[{"ts":-1,"geohash":"u33dc0cp"}]}'],
    ['16 digits', '{"pings":[{"ts":1000000000000000,"geohash":"u33dc0cp"}]}'],
    ['a character outside ASCII', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0c\u00ff"}]}'],
    ['a short geohash', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0c"}]}'],
    ['a geohash of 13', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cpzzzzz"}]}'],
    ['an upper-case geohash', '{"pings":[{"ts":1795000000000,"geohash":"U33DC0CP"}]}'],
    ['an escaped character', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0c\\u0070"}]}'],
    ['an extra item field', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp","userId":"1"}]}'],
    ['an extra body field', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp"}],"color":"red"}'],
    ['no pings', '{"pings":[]}'],
    ['trailing bytes', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp"}]} '],
    ['a cut body', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp"}'],
    ['a trailing comma', '{"pings":[{"ts":1795000000000,"geohash":"u33dc0cp"},]}'],
    ['an empty body', ''],
  ])('leaves a body with %s to the general path', (_, text) => {
    expect(scanPingBatch(bytes(text), PRECISION)).toBeNull();
  });

  it('leaves a body with a byte that is not UTF-8 to the general path', () => {
    const body = Buffer.concat([
      bytes('{"pings":[{"ts":1795000000000,"geohash":"u33dc0c'),
      Buffer.from([0xff]),
      bytes('"}]}'),
    ]);
    expect(scanPingBatch(body, PRECISION)).toBeNull();
  });

  it('leaves a batch of more than 1000 pings to the general path (which refuses it)', () => {
    const body = bytes(canonical(Array.from({ length: 1001 }, (_, i) => ({ ts: i, geohash: 'u33dc0cp' }))));
    expect(scanPingBatch(body, PRECISION)).toBeNull();
    expect(general(body)).toBeNull();
    expect(
      scanPingBatch(
        bytes(canonical(Array.from({ length: 1000 }, (_, i) => ({ ts: i, geohash: 'u33dc0cp' })))),
        PRECISION,
      ),
    ).toHaveLength(1000);
  });
});
