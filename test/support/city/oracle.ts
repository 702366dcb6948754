// The brute-force oracle: the contact rule and exposure policy (docs/domain.md) written out as plainly as possible, independent of the SQL and
// of the engine's code path (it shares nothing with libs/domain or libs/geo), so that the tracing
// engine can be checked against it on any data.
import { cellGapMeters, gridCell, type GridCell } from './oracle-cells.js';

export type OracleColor = 'green' | 'yellow' | 'red';

export interface OraclePing {
  userId: string;
  tsMs: number;
  /** The index cell. */
  cell: string;
  /** The finer position the phone reported, as a geohash (stored as its centre to 1e-7 degree). */
  position?: string;
  /** The accuracy the phone reported, metres (its area reaches that much further). */
  accuracyMeters?: number;
}

export interface OracleRules {
  windowSeconds: number;
  slotSeconds: number;
  autoSeconds: number;
  reviewSeconds: number;
  /** Two pings are in contact when their cells, each grown by its accuracy, come within this distance ... */
  radiusMeters: number;
  /** ... and their times at most this far apart. */
  contactSeconds: number;
  autoApplyMaxPerWindow: number;
  quarantineSeconds: number;
}

export interface OracleInput {
  pings: OraclePing[];
  /** Red people and the start of their infectious period. */
  infectiousFromMs: Map<string, number>;
  /** Codes when the windows are traced (people not listed are green; red people are red). */
  colors: Map<string, OracleColor>;
  rules: OracleRules;
  /** Called for every co-located (contact ping, source ping) pair, e.g. to see which borders were crossed. */
  onMatch?: (contact: OraclePing, source: OraclePing) => void;
}

export interface ExpectedExposure {
  windowId: number;
  contactId: string;
  sourceId: string;
  seconds: number;
  slots: number[];
}

export interface ExpectedRequest {
  windowId: number;
  userId: string;
  toColor: 'yellow';
  auto: boolean;
  status: 'applied' | 'pending';
  exposureSeconds: number;
  expiresAtMs: number;
}

export interface OracleResult {
  exposures: ExpectedExposure[];
  requests: ExpectedRequest[];
}

interface SourcePing {
  ping: OraclePing;
  cell: GridCell;
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const byNumber = (a: number, b: number) => a - b;
const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

export function runOracle(input: OracleInput): OracleResult {
  const { rules } = input;
  const slotMs = rules.slotSeconds * 1000;
  const windowMs = rules.windowSeconds * 1000;
  const cells = new Map<string, GridCell>();
  const cellOf = (cell: string) => cells.get(cell) ?? cells.set(cell, gridCell(cell)).get(cell)!;
  const areaOf = (p: OraclePing): GridCell =>
    p.position && p.position.length > p.cell.length ? { ...gridCell(p.position), storedCentre: true } : cellOf(p.cell);
  const colorOf = (userId: string): OracleColor =>
    input.infectiousFromMs.has(userId) ? 'red' : (input.colors.get(userId) ?? 'green');

  // Sources: pings of red people at or after their infectious start, by slot.
  const sourcesBySlot = new Map<number, SourcePing[]>();
  for (const p of input.pings) {
    const from = input.infectiousFromMs.get(p.userId);
    if (from === undefined || p.tsMs < from) continue;
    const slot = floorDiv(p.tsMs, slotMs);
    const list = sourcesBySlot.get(slot) ?? sourcesBySlot.set(slot, []).get(slot)!;
    list.push({ ping: p, cell: areaOf(p) });
  }

  const contactMs = rules.contactSeconds * 1000;
  const inContact = (c: OraclePing, cCell: GridCell, s: SourcePing) =>
    Math.abs(c.tsMs - s.ping.tsMs) <= contactMs &&
    cellGapMeters(cCell, s.cell) - (c.accuracyMeters ?? 0) - (s.ping.accuracyMeters ?? 0) <= rules.radiusMeters;
  const reachSlots = Math.ceil(contactMs / slotMs);

  // Every contact ping against every source ping of the slots the contact time reaches (whatever
  // window those slots are in): "window|contact|source" -> the contact's slots in contact.
  const pairSlots = new Map<string, Set<number>>();
  for (const c of input.pings) {
    const slot = floorDiv(c.tsMs, slotMs);
    const windowId = floorDiv(c.tsMs, windowMs);
    const here = areaOf(c);
    for (let s = slot - reachSlots; s <= slot + reachSlots; s++) {
      for (const src of sourcesBySlot.get(s) ?? []) {
        if (src.ping.userId === c.userId || !inContact(c, here, src)) continue;
        input.onMatch?.(c, src.ping);
        const key = `${windowId}|${c.userId}|${src.ping.userId}`;
        (pairSlots.get(key) ?? pairSlots.set(key, new Set()).get(key)!).add(slot);
      }
    }
  }

  const exposures: ExpectedExposure[] = [];
  const contactSlots = new Map<string, Set<number>>(); // "window|contact" -> slots with any source
  for (const [key, slots] of pairSlots) {
    const [w, contactId, sourceId] = key.split('|') as [string, string, string];
    exposures.push({
      windowId: Number(w),
      contactId,
      sourceId,
      seconds: slots.size * rules.slotSeconds,
      slots: [...slots].sort(byNumber),
    });
    const ck = `${w}|${contactId}`;
    const all = contactSlots.get(ck) ?? contactSlots.set(ck, new Set()).get(ck)!;
    slots.forEach((s) => all.add(s));
  }

  // Policy over all sources together; requests never lower a code (no request for a red person).
  const byWindow = new Map<number, ExpectedRequest[]>();
  for (const [key, slots] of contactSlots) {
    const [w, userId] = key.split('|') as [string, string];
    const seconds = slots.size * rules.slotSeconds;
    const decision = seconds >= rules.autoSeconds ? 'auto' : seconds >= rules.reviewSeconds ? 'review' : 'none';
    if (decision === 'none' || colorOf(userId) === 'red') continue;
    const lastSlotEndMs = (Math.max(...slots) + 1) * slotMs;
    const list = byWindow.get(Number(w)) ?? byWindow.set(Number(w), []).get(Number(w))!;
    list.push({
      windowId: Number(w),
      userId,
      toColor: 'yellow',
      auto: decision === 'auto',
      status: decision === 'auto' ? 'applied' : 'pending',
      exposureSeconds: seconds,
      expiresAtMs: lastSlotEndMs + rules.quarantineSeconds * 1000,
    });
  }
  // Circuit breaker: a window with more automatic changes than allowed sends them all to review.
  const requests: ExpectedRequest[] = [];
  for (const list of byWindow.values()) {
    const tripped = list.filter((r) => r.auto).length > rules.autoApplyMaxPerWindow;
    requests.push(...list.map((r) => (tripped ? { ...r, auto: false, status: 'pending' as const } : r)));
  }

  exposures.sort(
    (a, b) => a.windowId - b.windowId || compareIds(a.contactId, b.contactId) || compareIds(a.sourceId, b.sourceId),
  );
  requests.sort((a, b) => a.windowId - b.windowId || compareIds(a.userId, b.userId));
  return { exposures, requests };
}
