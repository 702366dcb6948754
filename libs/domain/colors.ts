export const COLORS = ['green', 'yellow', 'red'] as const;
export type Color = (typeof COLORS)[number];

export function isColor(v: unknown): v is Color {
  return typeof v === 'string' && (COLORS as readonly string[]).includes(v);
}

/** Severity order: green 0 < yellow 1 < red 2. */
export function colorRank(c: Color): number {
  return COLORS.indexOf(c);
}

/**
 * Whether an automatic (tracing) request may move a code from `from` to `to`.
 * Requests only raise a code, or re-request yellow to extend a quarantine; only expiry and
 * admins lower codes. red -> red is refused: red does not expire, so there is nothing to extend.
 */
export function canRequestRaise(from: Color, to: Color): boolean {
  if (from === 'yellow' && to === 'yellow') return true;
  return colorRank(to) > colorRank(from);
}

/**
 * The colour a reader must see now: a yellow whose quarantine has ended reads green even before
 * anything rewrites the stored row, so the read path never shows an expired yellow.
 */
export function effectiveColor(color: Color, expiresAtMs: number | null, nowMs: number): Color {
  if (color === 'yellow' && expiresAtMs !== null && expiresAtMs <= nowMs) return 'green';
  return color;
}

/** A yellow whose quarantine has ended by `nowMs` (never earlier): the expiry sweep turns it green. */
export function isQuarantineOver(color: Color, expiresAtMs: number | null, nowMs: number): boolean {
  return color === 'yellow' && effectiveColor(color, expiresAtMs, nowMs) === 'green';
}
