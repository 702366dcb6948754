import type { Color, HealthCode } from '#libs/domain/index.js';

/**
 * What the read model stores of a person: the code the phone sees, and the version of the
 * person's phone tokens (a token of another version is refused), so that the read that answers a
 * phone also checks its token, in the same round trip.
 */
export type CodeView = HealthCode & { tokenVersion: number };

const COLOR_CHAR: Record<Color, string> = { green: 'g', yellow: 'y', red: 'r' };
const CHAR_COLOR: Record<string, Color> = { g: 'green', y: 'yellow', r: 'red' };

/** `version[.tokenVersion]` in base 36; the token version is left out while it is 0 (almost everyone). */
export const encodeVersions = (version: number, tokenVersion: number): string =>
  tokenVersion > 0 ? `${version.toString(36)}.${tokenVersion.toString(36)}` : version.toString(36);

/** Everything after the versions: `colour|updatedSec|expiresSec|reason`. */
export function encodeCodeBody(v: CodeView): string {
  const expires = v.expiresAtMs === null ? '' : Math.floor(v.expiresAtMs / 1000).toString(36);
  return `${COLOR_CHAR[v.color]}|${Math.floor(v.updatedAtMs / 1000).toString(36)}|${expires}|${v.reason}`;
}

/**
 * Compact one-string encoding: `version[.tokenVersion]|colour|updatedSec|expiresSec|reason`
 * (reason last: it may hold '|'). A few dozen bytes instead of a JSON object or a hash per person.
 */
export const encodeCodeView = (v: CodeView): string =>
  `${encodeVersions(v.version, v.tokenVersion)}|${encodeCodeBody(v)}`;

export function decodeCodeView(userId: string, raw: string): CodeView | null {
  const parts = raw.split('|');
  if (parts.length < 5) return null;
  const color = CHAR_COLOR[parts[1]];
  if (!color) return null;
  const dot = parts[0].indexOf('.');
  return {
    userId,
    color,
    version: parseInt(dot < 0 ? parts[0] : parts[0].slice(0, dot), 36),
    updatedAtMs: parseInt(parts[2], 36) * 1000,
    expiresAtMs: parts[3] ? parseInt(parts[3], 36) * 1000 : null,
    reason: parts.slice(4).join('|'),
    tokenVersion: dot < 0 ? 0 : parseInt(parts[0].slice(dot + 1), 36),
  };
}
