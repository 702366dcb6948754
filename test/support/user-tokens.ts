import { userTokenSigner as signerOf } from '#libs/auth/index.js';
import type { TestSystem } from './system.js';

/** A test's tokens live as long as a phone's by default. */
const TTL_SECONDS = 30 * 86_400;

/** User tokens as the api issues them, for a secret (people a test loaded straight into Postgres). */
export function userTokensFor(secret: string): (userId: string | number, tokenVersion?: number) => string {
  const sign = signerOf(secret, TTL_SECONDS);
  return (userId, tokenVersion = 0) => sign(String(userId), tokenVersion).token;
}

/** User tokens as the api of `sys` issues them. */
export const userTokenSigner = (sys: TestSystem) => userTokensFor(sys.env.HC_JWT_SECRET);
