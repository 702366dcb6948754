import { HS256_HEADER, HmacSha256, verifyHs256 } from '#libs/auth/index.js';
import { BulkPreviewTokens, PREVIEW_TTL_MS } from './bulk-preview-token.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!!';
const claims = { adminId: '7', filter: { status: 'pending', exposureMin: 600 }, count: 500 };

describe('BulkPreviewTokens', () => {
  const tokens = new BulkPreviewTokens(SECRET);
  const now = 1_700_000_000_000;

  it('gives back the claims of its own token until it expires', () => {
    const token = tokens.issue(claims, now);
    expect(tokens.verify(token, now + PREVIEW_TTL_MS - 1)).toEqual(claims);
    expect(tokens.verify(token, now + PREVIEW_TTL_MS)).toBeNull();
  });

  it('refuses a changed count, a token of another secret, and what is not a token', () => {
    const [body, mac] = tokens.issue(claims, now).split('.');
    const changed = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), count: 5 }),
    ).toString('base64url');
    expect(tokens.verify(`${changed}.${mac}`, now)).toBeNull();
    expect(new BulkPreviewTokens(`${SECRET}?`).verify(`${body}.${mac}`, now)).toBeNull();
    for (const bad of ['', '.', 'x.y', `${body}.${mac}.x`, `${body}.${mac}x`])
      expect(tokens.verify(bad, now)).toBeNull();
  });

  it('is never taken for a bearer token signed with the same secret', () => {
    const token = tokens.issue(claims, now);
    expect(verifyHs256(token, new HmacSha256(SECRET), now)).toBeNull();
    expect(verifyHs256(`${HS256_HEADER}.${token}`, new HmacSha256(SECRET), now)).toBeNull();
  });
});
