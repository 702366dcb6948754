import { cellNeighbourhood } from '#libs/geo/index.js';
import { decideExposure, exposureSeconds, type ExposureDecision, type ExposureThresholds } from './exposure-policy.js';
import type { CellSlot } from './co-location.js';

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

/**
 * DESIGN §2: exposure to a source = distinct co-located slots of the contact x slot length, kept
 * per pair as evidence; the decision uses the distinct slots co-located with any source.
 * Output is sorted, so equal inputs give equal outputs whatever order the hits came in.
 */
export function aggregateExposures(
  hits: Iterable<CoLocationHit>,
  slotSeconds: number,
  thresholds: ExposureThresholds,
): { pairs: PairExposure[]; contacts: ContactExposure[] } {
  const pairSlots = new Map<string, { contactId: string; sourceId: string; slots: Set<number>; cells: Set<string> }>();
  const contactSlots = new Map<string, Set<number>>();
  for (const h of hits) {
    const key = `${h.contactId}:${h.sourceId}`;
    let pair = pairSlots.get(key);
    if (!pair) pairSlots.set(key, (pair = { contactId: h.contactId, sourceId: h.sourceId, slots: new Set(), cells: new Set() }));
    pair.slots.add(h.slot);
    pair.cells.add(h.contactCell);
    let slots = contactSlots.get(h.contactId);
    if (!slots) contactSlots.set(h.contactId, (slots = new Set()));
    slots.add(h.slot);
  }
  const byId = (a: string, b: string) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);
  const pairs = [...pairSlots.values()]
    .map((p) => {
      const slots = [...p.slots].sort((a, b) => a - b);
      return { contactId: p.contactId, sourceId: p.sourceId, seconds: exposureSeconds(slots.length, slotSeconds), slots, cells: [...p.cells].sort() };
    })
    .sort((a, b) => byId(a.contactId, b.contactId) || byId(a.sourceId, b.sourceId));
  const contacts = [...contactSlots.entries()]
    .map(([contactId, slots]) => {
      const seconds = exposureSeconds(slots.size, slotSeconds);
      return { contactId, seconds, lastSlot: Math.max(...slots), decision: decideExposure(seconds, thresholds) };
    })
    .sort((a, b) => byId(a.contactId, b.contactId));
  return { pairs, contacts };
}
