import { areNeighbourCells, cellCentre, distanceMeters } from '#libs/geo/index.js';
import { slotsAdjacent } from './time-grid.js';

/** Where and when a ping was, as stored: a geohash cell and a global slot id. */
export interface CellSlot {
  cell: string;
  slot: number;
}

/** Optional distance rule on top of the neighbour box; null means the box alone decides. */
export interface ContactRule {
  radiusMeters: number | null;
}

/**
 * Two pings are co-located when their cells are equal or neighbours and their slots equal or
 * adjacent (so a contact near a slot edge still matches), and, if a radius is set, their cell
 * centres lie within it.
 */
export function areCoLocated(a: CellSlot, b: CellSlot, rule: ContactRule): boolean {
  if (!slotsAdjacent(a.slot, b.slot)) return false;
  if (!areNeighbourCells(a.cell, b.cell)) return false;
  if (rule.radiusMeters === null) return true;
  return distanceMeters(cellCentre(a.cell), cellCentre(b.cell)) <= rule.radiusMeters;
}
