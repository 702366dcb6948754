import type { Color } from './colors.js';

/** A person's code as phones see it; `version` orders every change of it. */
export interface HealthCode {
  userId: string;
  color: Color;
  reason: string;
  version: number;
  updatedAtMs: number;
  expiresAtMs: number | null;
}
