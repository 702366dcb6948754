import { createSigner } from 'fast-jwt';
import type { TestSystem } from './system.js';

/** Every kind of caller the security battery tries on every route. */
export const TOKEN_KINDS = [
  'none',
  'user',
  'reviewer',
  'admin',
  'expired',
  'wrong signature',
  'alg none',
  'tampered payload',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** The kinds no route may accept: a missing token or one this system did not issue as it is. */
export const BAD_TOKEN_KINDS: TokenKind[] = ['none', 'expired', 'wrong signature', 'alg none', 'tampered payload'];

/** Whom a forged token pretends to be: another person (user routes) or an admin (admin routes). */
export type Audience = 'user' | 'admin';

export interface Identities {
  user: { userId: string; token: string };
  /** Another person, whose data the user must never reach. */
  other: { userId: string; token: string };
  reviewer: string;
  admin: string;
  adminId: string;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * The token of each kind for a route of the given audience. The forgeries claim the most an
 * attacker would want: the other person's id on a user route, the admin role on an admin route.
 */
export function tokenOf(kind: TokenKind, audience: Audience, sys: TestSystem, who: Identities): string | undefined {
  const nowS = Math.floor(Date.now() / 1000);
  const claims =
    audience === 'user'
      ? { sub: who.other.userId, typ: 'user' }
      : { sub: who.adminId, typ: 'admin', name: 'admin', role: 'admin' };
  switch (kind) {
    case 'none':
      return undefined;
    case 'user':
      return who.user.token;
    case 'reviewer':
      return who.reviewer;
    case 'admin':
      return who.admin;
    case 'expired':
      return createSigner({ key: sys.env.HC_JWT_SECRET, algorithm: 'HS256' })({
        ...claims,
        iat: nowS - 7200,
        exp: nowS - 60,
      });
    case 'wrong signature':
      return createSigner({ key: 'another-secret-of-at-least-32-characters!', algorithm: 'HS256' })({
        ...claims,
        exp: nowS + 600,
      });
    case 'alg none':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: nowS + 600 })}.`;
    case 'tampered payload': {
      // A real token whose payload was changed: the user's with another person's id, the reviewer's with the admin role.
      const [header, payload, signature] = (audience === 'user' ? who.user.token : who.reviewer).split('.');
      const original = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const changed = audience === 'user' ? { ...original, sub: who.other.userId } : { ...original, role: 'admin' };
      return `${header}.${b64(changed)}.${signature}`;
    }
  }
}
