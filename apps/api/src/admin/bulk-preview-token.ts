import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a bulk decision's preview stays good. */
export const PREVIEW_TTL_MS = 5 * 60_000;

export interface PreviewClaims {
  /** The admin who previewed (only they may use the token). */
  adminId: string;
  filter: Record<string, string | number>;
  count: number;
}

/**
 * The token of a bulk decision's preview: the admin, the filter and the count it showed, and an
 * expiry, signed with an HMAC keyed for this use alone (derived from the token secret, so it is
 * never a valid bearer token nor the other way round). It proves the count was shown for that
 * filter; it does not hold rows (the decision counts again).
 */
export class BulkPreviewTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('hc:bulk-preview').digest();
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  issue(claims: PreviewClaims, nowMs = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, exp: nowMs + PREVIEW_TTL_MS })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a token this class issued and that has not expired, else null. */
  verify(token: string, nowMs = Date.now()): PreviewClaims | null {
    const [body, mac, ...rest] = token.split('.');
    if (!body || !mac || rest.length) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PreviewClaims & { exp: number };
      return typeof c.exp === 'number' && c.exp > nowMs
        ? { adminId: c.adminId, filter: c.filter, count: c.count }
        : null;
    } catch {
      return null;
    }
  }
}
