import { gapMeters, type Area } from '#libs/geo/index.js';

/** What decides a contact between two pings. */
export interface ContactRule {
  /** The largest distance between the areas the two positions stand for. */
  radiusMeters: number;
  /** The largest time between the two pings. */
  seconds: number;
}

/** A ping as the contact rule sees it: when, and the area its position stands for. */
export interface PlacedPing {
  tsMs: number;
  area: Area;
}

/**
 * Two pings are in contact when the areas their positions stand for (a kept point, or the cell of
 * a coarse geohash, grown by the accuracy the phone reported) come within `radiusMeters` of each
 * other and their times are at most `seconds` apart, both bounds included. A coarse position can
 * only widen a contact: its area holds the true point, so the gap is never larger than the true
 * distance; a reported accuracy widens it by the error the phone admits to.
 */
export function inContact(a: PlacedPing, b: PlacedPing, rule: ContactRule): boolean {
  return Math.abs(a.tsMs - b.tsMs) <= rule.seconds * 1000 && gapMeters(a.area, b.area) <= rule.radiusMeters;
}
