import type { Color, HealthCode } from '#libs/domain/index.js';

/** What the phone sees of a person's code; the read model stores exactly this. */
export type CodeView = HealthCode;

const COLOR_CHAR: Record<Color, string> = { green: 'g', yellow: 'y', red: 'r' };
const CHAR_COLOR: Record<string, Color> = { g: 'green', y: 'yellow', r: 'red' };

/**
 * Compact one-string encoding: `version|colour|updatedSec|expiresSec|reason` (reason last: it may
 * hold '|'). A few dozen bytes instead of a JSON object or a hash per person.
 */
export function encodeCodeView(v: CodeView): string {
  const expires = v.expiresAtMs === null ? '' : Math.floor(v.expiresAtMs / 1000).toString(36);
  return `${v.version.toString(36)}|${COLOR_CHAR[v.color]}|${Math.floor(v.updatedAtMs / 1000).toString(36)}|${expires}|${v.reason}`;
}

export function decodeCodeView(userId: string, raw: string): CodeView | null {
  const parts = raw.split('|');
  if (parts.length < 5) return null;
  const color = CHAR_COLOR[parts[1]];
  if (!color) return null;
  return {
    userId,
    color,
    version: parseInt(parts[0], 36),
    updatedAtMs: parseInt(parts[2], 36) * 1000,
    expiresAtMs: parts[3] ? parseInt(parts[3], 36) * 1000 : null,
    reason: parts.slice(4).join('|'),
  };
}
