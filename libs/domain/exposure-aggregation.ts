import { decideExposure, exposureSeconds, type ExposureDecision, type ExposureThresholds } from './exposure-policy.js';
import type { TimeGrid } from './time-grid.js';

/** A contact ping found in contact with a source ping: its slot and cell, how far and how long apart. */
export interface CoLocationHit {
  contactId: string;
  sourceId: string;
  slot: number;
  contactCell: string;
  meters: number;
  secondsApart: number;
}

/**
 * The closest of a pair's pings, as evidence a reviewer reads ("4 m, 2 min apart"): the smallest
 * distance, and of those the smallest time apart.
 */
export interface Closest {
  meters: number;
  secondsApart: number;
}

export function closer(a: Closest, b: Closest): Closest {
  return a.meters < b.meters || (a.meters === b.meters && a.secondsApart <= b.secondsApart) ? a : b;
}

/** Evidence for one (contact, source) pair in a window. */
export interface PairExposure {
  contactId: string;
  sourceId: string;
  seconds: number;
  slots: number[];
  cells: string[];
  closest: Closest;
}

/** The decision input for one contact: all sources of the window together. */
export interface ContactExposure {
  contactId: string;
  seconds: number;
  lastSlot: number;
  decision: ExposureDecision;
}

/** Slots and cells of one (contact, source) pair, possibly from part of the source's pings only. */
export type PartialPair = Pick<PairExposure, 'contactId' | 'sourceId' | 'slots' | 'cells' | 'closest'>;

const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
const byPair = (a: PartialPair, b: PartialPair) => byId(a.contactId, b.contactId) || byId(a.sourceId, b.sourceId);

/**
 * Exposure (docs/domain.md): exposure to a source = distinct co-located slots of the contact x slot length, kept
 * per pair as evidence; the decision uses the distinct slots co-located with any source.
 * Partial pairs of the same (contact, source) - from different shards of a window - are merged,
 * so the result does not depend on how the source pings were split. Output is sorted, so equal
 * inputs give equal outputs whatever order they came in.
 */
export function combinePairs(
  parts: Iterable<PartialPair>,
  slotSeconds: number,
  thresholds: ExposureThresholds,
): { pairs: PairExposure[]; contacts: ContactExposure[] } {
  const merged = mergeParts(parts);
  const contactSlots = new Map<string, Set<number>>();
  for (const pair of merged) {
    let slots = contactSlots.get(pair.contactId);
    if (!slots) contactSlots.set(pair.contactId, (slots = new Set()));
    for (const slot of pair.slots) slots.add(slot);
  }
  const pairs = merged.map((p) => ({ ...p, seconds: exposureSeconds(p.slots.length, slotSeconds) }));
  const contacts = [...contactSlots.entries()]
    .map(([contactId, slots]) =>
      contactExposure({ contactId, distinctSlots: slots.size, lastSlot: Math.max(...slots) }, slotSeconds, thresholds),
    )
    .sort((a, b) => byId(a.contactId, b.contactId));
  return { pairs, contacts };
}

/** Parts of the same (contact, source) as one pair: slots and cells united, the closest kept; sorted. */
function mergeParts(parts: Iterable<PartialPair>): PartialPair[] {
  const pairs = new Map<
    string,
    { contactId: string; sourceId: string; slots: Set<number>; cells: Set<string>; closest: Closest }
  >();
  for (const part of parts) {
    const key = `${part.contactId}:${part.sourceId}`;
    const pair = pairs.get(key);
    if (!pair) {
      const { contactId, sourceId, closest } = part;
      pairs.set(key, { contactId, sourceId, slots: new Set(part.slots), cells: new Set(part.cells), closest });
      continue;
    }
    for (const slot of part.slots) pair.slots.add(slot);
    for (const cell of part.cells) pair.cells.add(cell);
    pair.closest = closer(pair.closest, part.closest);
  }
  return [...pairs.values()]
    .map((p) => ({ ...p, slots: [...p.slots].sort((a, b) => a - b), cells: [...p.cells].sort() }))
    .sort(byPair);
}

/** What the decision needs of one contact's co-located slots in a window (with all sources together). */
export interface ContactSlots {
  contactId: string;
  distinctSlots: number;
  lastSlot: number;
}

/** Exposure for one contact (docs/domain.md): exposure = distinct co-located slots x slot length, and the decision on it. */
export function contactExposure(c: ContactSlots, slotSeconds: number, thresholds: ExposureThresholds): ContactExposure {
  const seconds = exposureSeconds(c.distinctSlots, slotSeconds);
  return { contactId: c.contactId, seconds, lastSlot: c.lastSlot, decision: decideExposure(seconds, thresholds) };
}

/**
 * A pair's exposure seconds for each number of distinct slots it can have in one window (index
 * n - 1 for n slots): set-based SQL that aggregates pairs looks the rule up here instead of
 * restating it.
 */
export function exposureSecondsBySlots(grid: TimeGrid): number[] {
  const most = Math.ceil(grid.windowSeconds / grid.slotSeconds) + 1;
  return Array.from({ length: most }, (_, i) => exposureSeconds(i + 1, grid.slotSeconds));
}

/** Groups hits into partial pairs: the compact form a shard hands to the window's combine step. */
export function pairsFromHits(hits: Iterable<CoLocationHit>): PartialPair[] {
  const parts: PartialPair[] = [];
  for (const h of hits) {
    const closest = { meters: h.meters, secondsApart: h.secondsApart };
    parts.push({ contactId: h.contactId, sourceId: h.sourceId, slots: [h.slot], cells: [h.contactCell], closest });
  }
  return mergeParts(parts);
}

/** Hits of a whole window at once (one shard). */
export function aggregateExposures(
  hits: Iterable<CoLocationHit>,
  slotSeconds: number,
  thresholds: ExposureThresholds,
): { pairs: PairExposure[]; contacts: ContactExposure[] } {
  return combinePairs(pairsFromHits(hits), slotSeconds, thresholds);
}
