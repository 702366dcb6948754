import type { Color } from './colors.js';

/** The whole code one version wrote (a history row), as needed to restore it. */
export interface CodeState {
  color: Color;
  reason: string;
  expiresAtMs: number | null;
  infectiousFromMs: number | null;
}

export interface RevocationInput {
  /** The request's status. */
  status: string;
  /** The code version the change wrote (null when it wrote none). */
  appliedVersion: number | null;
  /** The person's code version now. */
  currentVersion: number;
  /** The code just before the change (the history row of appliedVersion - 1). */
  previous: CodeState | null;
}

export type Revocation = { ok: true; restore: CodeState } | { ok: false; reason: string };

/**
 * Whether an applied change may be undone, and to what. Only the newest change of a person's
 * code can be: any later change (an admin's, another exposure, a rebuild) was decided on top of
 * it, so undoing it silently would undo those too.
 */
export function checkRevocation(r: RevocationInput): Revocation {
  if (r.status !== 'applied')
    return { ok: false, reason: `only an applied change can be revoked; this one is ${r.status}` };
  if (r.appliedVersion === null) return { ok: false, reason: 'the change wrote no code' };
  if (r.currentVersion !== r.appliedVersion)
    return { ok: false, reason: "a newer change of this person's code depends on it" };
  const p = r.previous;
  if (!p || (p.color === 'yellow' && p.expiresAtMs === null) || (p.color === 'red' && p.infectiousFromMs === null)) {
    return { ok: false, reason: 'the code before the change is not recorded completely' };
  }
  return { ok: true, restore: p };
}

/** Window states in which tracing is over, so an admin may trace the window again. */
export const RERUNNABLE_WINDOW_STATUSES = ['done', 'failed'] as const;

export function canRerunWindow(status: string): boolean {
  return (RERUNNABLE_WINDOW_STATUSES as readonly string[]).includes(status);
}

export interface LoginFailureLimits {
  /** Failed logins for one username within the lock period before it is locked. */
  perUsername: number;
  /** Failed logins from one client address within the lock period before it is locked. */
  perAddress: number;
}

/**
 * Login attempts are refused once either counter of recent failures reached its limit: per
 * username stops guessing one account's password, per address stops trying many accounts.
 */
export function isLoginLocked(failures: { username: number; address: number }, limits: LoginFailureLimits): boolean {
  return failures.username >= limits.perUsername || failures.address >= limits.perAddress;
}
