import { cellNeighbourhood } from '#libs/geo/index.js';
import { decideExposure, exposureSeconds, type ExposureDecision, type ExposureThresholds } from './exposure-policy.js';
import type { CellSlot } from './co-location.js';
import type { TimeGrid } from './time-grid.js';

/**
 * Every (cell, slot) where a contact's ping is co-located with a source ping at (cell, slot):
 * the cell and its 8 neighbours, in the same and the two adjacent slots (27 keys).
 */
export function coLocationKeys(at: CellSlot): CellSlot[] {
  const keys: CellSlot[] = [];
  for (const cell of cellNeighbourhood(at.cell)) {
    for (const slot of [at.slot - 1, at.slot, at.slot + 1]) keys.push({ cell, slot });
  }
  return keys;
}

/** A contact ping found co-located with a source ping. */
export interface CoLocationHit {
  contactId: string;
  sourceId: string;
  slot: number;
  contactCell: string;
}

/** Evidence for one (contact, source) pair in a window. */
export interface PairExposure {
  contactId: string;
  sourceId: string;
  seconds: number;
  slots: number[];
  cells: string[];
}

/** The decision input for one contact: all sources of the window together. */
export interface ContactExposure {
  contactId: string;
  seconds: number;
  lastSlot: number;
  decision: ExposureDecision;
}

/** Slots and cells of one (contact, source) pair, possibly from part of the source's pings only. */
export type PartialPair = Pick<PairExposure, 'contactId' | 'sourceId' | 'slots' | 'cells'>;

const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
const byPair = (a: PartialPair, b: PartialPair) => byId(a.contactId, b.contactId) || byId(a.sourceId, b.sourceId);

/**
 * DESIGN §2: exposure to a source = distinct co-located slots of the contact x slot length, kept
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
  const pairSlots = new Map<string, { contactId: string; sourceId: string; slots: Set<number>; cells: Set<string> }>();
  const contactSlots = new Map<string, Set<number>>();
  for (const part of parts) {
    const key = `${part.contactId}:${part.sourceId}`;
    let pair = pairSlots.get(key);
    if (!pair)
      pairSlots.set(
        key,
        (pair = { contactId: part.contactId, sourceId: part.sourceId, slots: new Set(), cells: new Set() }),
      );
    let slots = contactSlots.get(part.contactId);
    if (!slots) contactSlots.set(part.contactId, (slots = new Set()));
    for (const slot of part.slots) {
      pair.slots.add(slot);
      slots.add(slot);
    }
    for (const cell of part.cells) pair.cells.add(cell);
  }
  const pairs = [...pairSlots.values()]
    .map((p) => {
      const slots = [...p.slots].sort((a, b) => a - b);
      return {
        contactId: p.contactId,
        sourceId: p.sourceId,
        seconds: exposureSeconds(slots.length, slotSeconds),
        slots,
        cells: [...p.cells].sort(),
      };
    })
    .sort(byPair);
  const contacts = [...contactSlots.entries()]
    .map(([contactId, slots]) =>
      contactExposure({ contactId, distinctSlots: slots.size, lastSlot: Math.max(...slots) }, slotSeconds, thresholds),
    )
    .sort((a, b) => byId(a.contactId, b.contactId));
  return { pairs, contacts };
}

/** What the decision needs of one contact's co-located slots in a window (with all sources together). */
export interface ContactSlots {
  contactId: string;
  distinctSlots: number;
  lastSlot: number;
}

/** DESIGN §2 for one contact: exposure = distinct co-located slots x slot length, and the decision on it. */
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
  const pairs = new Map<string, { contactId: string; sourceId: string; slots: Set<number>; cells: Set<string> }>();
  for (const h of hits) {
    const key = `${h.contactId}:${h.sourceId}`;
    let pair = pairs.get(key);
    if (!pair)
      pairs.set(key, (pair = { contactId: h.contactId, sourceId: h.sourceId, slots: new Set(), cells: new Set() }));
    pair.slots.add(h.slot);
    pair.cells.add(h.contactCell);
  }
  return [...pairs.values()]
    .map((p) => ({
      contactId: p.contactId,
      sourceId: p.sourceId,
      slots: [...p.slots].sort((a, b) => a - b),
      cells: [...p.cells].sort(),
    }))
    .sort(byPair);
}

/** Hits of a whole window at once (one shard). */
export function aggregateExposures(
  hits: Iterable<CoLocationHit>,
  slotSeconds: number,
  thresholds: ExposureThresholds,
): { pairs: PairExposure[]; contacts: ContactExposure[] } {
  return combinePairs(pairsFromHits(hits), slotSeconds, thresholds);
}
