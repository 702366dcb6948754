/** ok: stored; too-old: beyond retention (its partition may already be gone); future: beyond clock skew. */
export type PingTimeVerdict = 'ok' | 'too-old' | 'future';

export interface PingTimeRules {
  retentionDays: number;
  maxClockSkewSeconds: number;
}

const DAY_MS = 86_400_000;

/** Both limits are inclusive: a ping exactly at the retention edge or exactly at the skew limit is ok. */
export function classifyPingTime(tsMs: number, nowMs: number, rules: PingTimeRules): PingTimeVerdict {
  if (tsMs < nowMs - rules.retentionDays * DAY_MS) return 'too-old';
  if (tsMs > nowMs + rules.maxClockSkewSeconds * 1000) return 'future';
  return 'ok';
}
