import type { Color, HealthCode } from '#libs/domain/index.js';

/**
 * A person's code as Postgres holds it (the truth): what phones see, plus the infectious start
 * and the version of the person's phone tokens (tokens of an older version are refused).
 */
export interface CodeRow extends HealthCode {
  infectiousFromMs: number | null;
  tokenVersion: number;
}

/** What a change sets; the repository bumps the version and stamps the time. */
export interface NextCode {
  color: Color;
  reason: string;
  expiresAtMs: number | null;
  infectiousFromMs: number | null;
}
