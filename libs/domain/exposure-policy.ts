export interface ExposureThresholds {
  autoSeconds: number;
  reviewSeconds: number;
}

/** auto: request applied at once; review: request waits for an admin; none: evidence only. */
export type ExposureDecision = 'auto' | 'review' | 'none';

/** Exposure counts distinct co-located slots of the contact, so overlapping sources are not double counted. */
export function exposureSeconds(distinctSlots: number, slotSeconds: number): number {
  return distinctSlots * slotSeconds;
}

export function decideExposure(seconds: number, t: ExposureThresholds): ExposureDecision {
  if (seconds >= t.autoSeconds) return 'auto';
  if (seconds >= t.reviewSeconds) return 'review';
  return 'none';
}

/**
 * When one window would apply far more automatic changes than usual, send them all to review:
 * bad data or a mistaken red must not turn a city yellow unseen. Does not mutate the input.
 */
export function applyCircuitBreaker<T extends { decision: ExposureDecision }>(
  items: T[],
  maxAutoPerWindow: number,
): { items: T[]; tripped: boolean } {
  const autoCount = items.filter((item) => item.decision === 'auto').length;
  if (autoCount <= maxAutoPerWindow) return { items: [...items], tripped: false };
  return {
    items: items.map((item) => (item.decision === 'auto' ? { ...item, decision: 'review' as const } : item)),
    tripped: true,
  };
}

export function quarantineExpiresAtMs(latestExposureEndMs: number, quarantineSeconds: number): number {
  return latestExposureEndMs + quarantineSeconds * 1000;
}

/** A new exposure extends a quarantine but never shortens it (windows may be traced out of order). */
export function extendQuarantine(currentExpiresAtMs: number | null, newExpiresAtMs: number): number {
  return currentExpiresAtMs === null ? newExpiresAtMs : Math.max(currentExpiresAtMs, newExpiresAtMs);
}

/** Infectious start when an admin sets someone red without giving one. */
export function defaultInfectiousFromMs(setRedAtMs: number, lookbackSeconds: number): number {
  return setRedAtMs - lookbackSeconds * 1000;
}

export function isInfectiousAt(infectiousFromMs: number, tsMs: number): boolean {
  return tsMs >= infectiousFromMs;
}

/**
 * The later expiry a yellow gets from more evidence of an exposure already applied (a window
 * traced again found later co-located slots); null when it would not extend a current yellow.
 */
export function quarantineExtension(
  color: string,
  currentExpiresAtMs: number | null,
  newExpiresAtMs: number,
  nowMs: number,
): number | null {
  if (color !== 'yellow' || currentExpiresAtMs === null || currentExpiresAtMs <= nowMs) return null;
  return newExpiresAtMs > currentExpiresAtMs ? newExpiresAtMs : null;
}
