import { GEOHASH_ALPHABET, MAX_GEOHASH_PRECISION } from '#libs/geo/index.js';
import { keptPosition, MAX_PINGS_PER_BATCH, type ParsedPing } from './ping-batch.parser.js';

const IS_GEOHASH_BYTE = new Uint8Array(256);
for (const c of GEOHASH_ALPHABET) IS_GEOHASH_BYTE[c.charCodeAt(0)] = 1;

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPEN = ascii('{"pings":[');
const TS = ascii('{"ts":');
const GEOHASH = ascii(',"geohash":"');
const [QUOTE, CLOSE_ITEM, COMMA, CLOSE_LIST, CLOSE_BODY, ZERO, NINE] = ascii('"},]}09');
/** Epoch milliseconds of at most 15 digits add up exactly in a double. */
const MAX_TS_DIGITS = 15;

function matches(body: Uint8Array, at: number, bytes: Uint8Array): boolean {
  if (at + bytes.length > body.length) return false;
  for (let j = 0; j < bytes.length; j++) if (body[at + j] !== bytes[j]) return false;
  return true;
}

/**
 * The body every phone sends, read straight from its bytes: exactly
 * `{"pings":[{"ts":<epoch ms>,"geohash":"<geohash>"},...]}` (no spaces, keys in that order, 1 to
 * MAX_PINGS_PER_BATCH pings, geohashes of the precision to 12 characters). For such a body this
 * answers what parsePingBatch(JSON.parse(body)) answers (a property test holds it to that), at
 * about a third of the cost (one object per ping instead of two, no key strings, no interning of
 * the geohashes); for any other body, valid or not, it answers null and the caller takes the
 * general path, which answers as before. Every phone's pings come this way (docs/benchmarks.md).
 */
export function scanPingBatch(body: Buffer, precision: number): ParsedPing[] | null {
  if (!matches(body, 0, OPEN)) return null;
  const out: ParsedPing[] = [];
  let i = OPEN.length;
  for (;;) {
    if (out.length === MAX_PINGS_PER_BATCH || !matches(body, i, TS)) return null;
    i += TS.length;
    // No sign, fraction or exponent; no leading zero (JSON has none).
    const digits = i;
    let tsMs = 0;
    for (let c = body[i]; c !== undefined && c >= ZERO && c <= NINE; c = body[++i]) tsMs = tsMs * 10 + (c - ZERO);
    const n = i - digits;
    if (n === 0 || n > MAX_TS_DIGITS || (n > 1 && body[digits] === ZERO)) return null;
    if (!matches(body, i, GEOHASH)) return null;
    i += GEOHASH.length;
    const start = i;
    while (i < body.length && IS_GEOHASH_BYTE[body[i]]) i++;
    const length = i - start;
    if (length < precision || length > MAX_GEOHASH_PRECISION || body[i] !== QUOTE || body[i + 1] !== CLOSE_ITEM)
      return null;
    // A longer geohash is truncated: to the configured precision for the cell (normalizeCell), to
    // POSITION_PRECISION for the position kept.
    const position = keptPosition(body.toString('latin1', start, i), precision);
    out.push({ tsMs, cell: position.slice(0, precision), position, accuracy: 0 });
    i += 2;
    if (body[i] === COMMA) i++;
    else return body[i] === CLOSE_LIST && body[i + 1] === CLOSE_BODY && i + 2 === body.length ? out : null;
  }
}
