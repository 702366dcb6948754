import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** The only header this system issues (fast-jwt's HS256 signer); anything else is refused. */
export const HS256_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** An HMAC-SHA256 signature is 32 bytes: 43 base64url characters, no padding. */
const SIGNATURE = /^[\w-]{43}$/;

/** HMAC-SHA256 by node:crypto, with the key imported once as a KeyObject. */
export class HmacSha256 {
  private readonly key: KeyObject;

  constructor(key: string | Buffer) {
    this.key = createSecretKey(Buffer.from(key));
  }

  /** The MAC of an ASCII string (a JWT's `header.payload`). */
  digest(message: string): Buffer {
    return createHmac('sha256', this.key).update(message, 'latin1').digest();
  }
}

/**
 * The signature's bytes, or null unless it is written in the one canonical base64url form: Node's
 * decoder skips foreign characters and ignores padding and unused bits, so several strings decode
 * to the same bytes, and a token that is not byte-for-byte the one signed must not pass.
 */
function canonicalSignature(text: string): Buffer | null {
  if (!SIGNATURE.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * Verifies an HS256 JWT and returns its claims, or null. This is the phone's hot path, so it does
 * only what our tokens need: one fixed header (so no algorithm confusion, no `none`), one HMAC,
 * a constant-time compare of a canonical signature, and `exp` when present.
 */
export function verifyHs256(token: string, key: HmacSha256, nowMs: number): Record<string, unknown> | null {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  if (first <= 0 || last === first || token.slice(0, first) !== HS256_HEADER) return null;
  const signed = token.slice(0, last);
  // JWT segments are base64url, so ASCII; anything else cannot be one of our tokens.
  if (!/^[\w.-]*$/.test(signed)) return null;
  const given = canonicalSignature(token.slice(last + 1));
  if (!given || !timingSafeEqual(given, key.digest(signed))) return null;
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
