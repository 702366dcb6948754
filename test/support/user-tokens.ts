import { createSigner } from 'fast-jwt';
import type { TestSystem } from './system.js';

/** User tokens as the api issues them (for people a test loaded straight into Postgres). */
export function userTokenSigner(sys: TestSystem): (userId: string | number) => string {
  const sign = createSigner({ key: sys.env.HC_JWT_SECRET, algorithm: 'HS256' });
  return (userId) => sign({ sub: String(userId), typ: 'user' });
}
