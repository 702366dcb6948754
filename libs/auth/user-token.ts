import { createSigner } from 'fast-jwt';

/** What a phone's token says: the person, the token version it was issued at, and its lifetime. */
export interface UserTokenClaims {
  sub: string;
  typ: 'user';
  /** The person's token version when it was issued; revoking moves the version on. */
  tv: number;
  iat: number;
  exp: number;
}

export interface IssuedUserToken {
  token: string;
  expiresAtMs: number;
}

/**
 * Signs phone tokens as the api issues them (HS256, the one header verifyHs256 takes): one place
 * for their claims, shared by the api and the tools that mint tokens for people they loaded.
 */
export function userTokenSigner(
  secret: string,
  ttlSeconds: number,
): (userId: string, tokenVersion: number, nowMs?: number) => IssuedUserToken {
  const sign = createSigner({ key: secret, algorithm: 'HS256' });
  return (userId, tokenVersion, nowMs = Date.now()) => {
    const iat = Math.floor(nowMs / 1000);
    const claims: UserTokenClaims = { sub: userId, typ: 'user', tv: tokenVersion, iat, exp: iat + ttlSeconds };
    return { token: sign(claims), expiresAtMs: claims.exp * 1000 };
  };
}
