import type { CodeChangeRow, CodeRow, HistoryRow, WindowRow } from '#libs/db/index.js';
import { windowEndMs, windowStartMs, type TimeGrid } from '#libs/domain/index.js';

/**
 * How admin routes show rows: ISO-8601 UTC times, string ids for people and requests
 * (docs/domain.md, The contract).
 */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const codeView = (c: CodeRow) => ({
  userId: c.userId,
  color: c.color,
  reason: c.reason,
  updatedAt: iso(c.updatedAtMs),
  expiresAt: iso(c.expiresAtMs),
  infectiousFrom: iso(c.infectiousFromMs),
  version: c.version,
});

export const historyView = (h: HistoryRow) => ({
  fromColor: h.fromColor,
  toColor: h.toColor,
  reason: h.reason,
  actor: h.actor,
  at: iso(h.atMs),
});

/** A request as the admin API shows it; its window also as a time range (`grid`: the configured one). */
export const codeChangeView = (c: CodeChangeRow, grid: TimeGrid) => ({
  id: c.id,
  userId: c.userId,
  fromColor: c.fromColor,
  toColor: c.toColor,
  status: c.status,
  auto: c.auto,
  reason: c.reason,
  exposureSeconds: c.exposureSeconds,
  windowId: c.windowId,
  createdAt: iso(c.createdAtMs),
  decidedAt: iso(c.decidedAtMs),
  decidedBy: c.decidedBy,
  note: c.note,
  windowStart: iso(windowStartMs(c.windowId, grid))!,
  windowEnd: iso(windowEndMs(c.windowId, grid))!,
  claimedBy: c.claimedBy,
  claimExpiresAt: iso(c.claimExpiresAtMs),
});

export const windowView = (w: WindowRow) => ({
  id: w.id,
  startsAt: iso(w.startsAtMs),
  endsAt: iso(w.endsAtMs),
  status: w.status,
  stats: w.stats,
});
