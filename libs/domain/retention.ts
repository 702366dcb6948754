const DAY_MS = 86_400_000;

/**
 * Ping partitions (one per UTC day) that lie wholly before the retention cut-off, so can be
 * dropped: a partition holding day D ends at D+1 00:00 UTC, and must end at or before
 * now - retention. Days are `YYYY-MM-DD`.
 */
export function expiredPartitionDays(days: string[], nowMs: number, retentionDays: number): string[] {
  const cutoffMs = retentionCutoffMs(nowMs, retentionDays);
  return days.filter((day) => Date.parse(`${day}T00:00:00Z`) + DAY_MS <= cutoffMs);
}

/** Where kept location data ends: pings, and the evidence drawn from them, before this time are gone. */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number {
  return nowMs - retentionDays * DAY_MS;
}

/** Retention must outlive the tracing look-back, or a retro-trace would find its pings gone. */
export function minimumRetentionDays(
  infectiousLookbackSeconds: number,
  windowSeconds: number,
  graceSeconds: number,
): number {
  return Math.ceil((infectiousLookbackSeconds + windowSeconds + graceSeconds) / 86_400);
}
