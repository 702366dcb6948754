import { hash, timingSafeEqual } from 'node:crypto';

/** The only header this system issues (fast-jwt's HS256 signer); anything else is refused. */
export const HS256_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

const BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) with the padded keys computed once, from two one-shot hashes: on the hot
 * path this allocates one small buffer and two digests instead of an Hmac stream object per
 * token, which keeps garbage, and so GC pauses, down.
 */
export class HmacSha256 {
  private readonly inner: Buffer;
  private readonly outer: Buffer;

  constructor(key: string | Buffer) {
    let k = Buffer.from(key);
    if (k.length > BLOCK) k = hash('sha256', k, 'buffer');
    this.inner = Buffer.alloc(BLOCK);
    this.outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      this.inner[i] = (k[i] ?? 0) ^ 0x36;
      this.outer[i] = (k[i] ?? 0) ^ 0x5c;
    }
  }

  /** The MAC of an ASCII string (a JWT's `header.payload`). */
  digest(message: string): Buffer {
    const data = Buffer.allocUnsafe(BLOCK + message.length);
    this.inner.copy(data, 0);
    data.write(message, BLOCK, 'latin1');
    // Reusing `outer` is safe: this runs to completion before any other call can.
    hash('sha256', data, 'buffer').copy(this.outer, BLOCK);
    return hash('sha256', this.outer, 'buffer');
  }
}

/**
 * Verifies an HS256 JWT and returns its claims, or null. This is the phone's hot path, so it does
 * only what our tokens need: one fixed header (so no algorithm confusion, no `none`), one HMAC,
 * a constant-time signature compare, and `exp` when present. About 2 µs instead of 5.5 µs.
 */
export function verifyHs256(token: string, key: HmacSha256, nowMs: number): Record<string, unknown> | null {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  if (first <= 0 || last === first || token.slice(0, first) !== HS256_HEADER) return null;
  const signed = token.slice(0, last);
  // JWT segments are base64url, so ASCII; anything else cannot be one of our tokens.
  if (!/^[\w.-]*$/.test(signed)) return null;
  const expected = key.digest(signed);
  const given = Buffer.from(token.slice(last + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return null;
  const exp = (claims as { exp?: unknown }).exp;
  if (exp !== undefined && (typeof exp !== 'number' || exp * 1000 <= nowMs)) return null;
  return claims as Record<string, unknown>;
}
