/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The sum of some numbers. */
export function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** `f` of figures some of which may be missing (/proc unreadable): null when any is. */
export function ofAll(xs: (number | null | undefined)[], f: (xs: number[]) => number): number | null {
  return xs.some((x) => x == null) ? null : f(xs as number[]);
}
