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
  /** Failed logins of one username from one client address within the lock period before that pair is locked. */
  perUsernameAndAddress: number;
  /** Failed logins from one client address within the lock period before it is locked. */
  perAddress: number;
  /** Longest delay before a password of a much-failed username is checked; 0: none. */
  maxDelayMs: number;
}

/** The first delay, once a username's failures reach `perUsernameAndAddress`; it doubles with each further failure. */
export const LOGIN_FIRST_DELAY_MS = 250;

/**
 * How long a login waits before its password is checked, given the username's recent failures
 * from every address. Nobody can lock an account they do not own (locks are per username and
 * address), so guesses spread over many addresses are slowed down instead: none while the
 * failures stay below one pair's limit (the owner's own typos), then 250 ms doubling up to
 * `maxDelayMs`. Bounded, so the owner is only ever delayed, never refused.
 */
export function loginDelayMs(usernameFailures: number, limits: LoginFailureLimits): number {
  const over = usernameFailures - limits.perUsernameAndAddress;
  if (over < 0 || limits.maxDelayMs <= 0) return 0;
  return Math.min(limits.maxDelayMs, LOGIN_FIRST_DELAY_MS * 2 ** Math.min(over, 30));
}

/** Admin usernames: what the CLI, the accounts API and HC_ADMIN_USERNAME accept. */
export const ADMIN_USERNAME_PATTERN = /^[a-z0-9._-]{3,64}$/;
export const ADMIN_USERNAME_RULE = 'must be 3-64 of a-z 0-9 . _ -';
/** A chosen password's length; the login route takes at most the maximum, so a longer one could never log in. */
export const ADMIN_PASSWORD_LENGTH = { min: 12, max: 256 } as const;

/** Why a username is refused, or null. */
export function adminUsernameProblem(username: string): string | null {
  return ADMIN_USERNAME_PATTERN.test(username) ? null : ADMIN_USERNAME_RULE;
}

/** Why a chosen password is refused, or null (a generated one always passes). */
export function adminPasswordProblem(password: string): string | null {
  const { min, max } = ADMIN_PASSWORD_LENGTH;
  if (password.length < min) return `must be at least ${min} characters`;
  if (password.length > max) return `must be at most ${max} characters`;
  return null;
}
