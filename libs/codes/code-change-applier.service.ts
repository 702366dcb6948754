import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CodeChangeRepository,
  type ChangeToApply,
  type CodeChangeRow,
  type CodeRow,
  type CodeWrite,
  type NewCodeChange,
  type NextCode,
  type Savepoint,
  type VersionedCode,
} from '#libs/db/index.js';
import { canRequestRaise, extendQuarantine } from '#libs/domain/index.js';
import { CodeWriter, type CodeTransaction } from './code-writer.service.js';

/** What applying a request did, for the caller's rows in the same transaction (an audit row). */
export interface AppliedChange {
  change: CodeChangeRow;
  before: CodeRow | null;
  after: CodeRow | null;
}

export interface ApplyOptions {
  note?: string | null;
  /** A request claimed by someone else than this username (a live claim) is left pending (null is answered). */
  claimant?: string;
  /** Runs inside the transaction after the decision, so its rows commit or roll back with it. */
  onDecided?: (tx: EntityManager, applied: AppliedChange) => Promise<void>;
}

/** The code a request sets, or null when the rules of libs/domain say it may not (it would lower it). */
function nextCodeFor(
  current: VersionedCode,
  change: Pick<ChangeToApply, 'toColor' | 'reason' | 'expiresAtMs'>,
): NextCode | null {
  if (!canRequestRaise(current.color, change.toColor)) return null;
  return {
    color: change.toColor,
    reason: change.reason,
    expiresAtMs:
      change.toColor === 'yellow'
        ? extendQuarantine(current.color === 'yellow' ? current.expiresAtMs : null, change.expiresAtMs!)
        : null,
    infectiousFromMs: current.infectiousFromMs,
  };
}

/** Requests per transaction: a window's automatic changes (a few thousand) in one, a flood in several. */
const APPLY_CHUNK = 5_000;

/** The first request of each person, and the others (applied in a later pass, in order). */
function firstPerUser<T extends { userId: string }>(changes: T[]): { first: T[]; others: T[] } {
  const seen = new Set<string>();
  const first: T[] = [];
  const others: T[] = [];
  for (const c of changes) {
    if (seen.has(c.userId)) others.push(c);
    else {
      seen.add(c.userId);
      first.push(c);
    }
  }
  return { first, others };
}

/**
 * Applies a pending code-change request: the same transaction whether tracing applies it
 * automatically or an admin approves it. A request that would lower the code is superseded.
 * Returns null when the request is no longer pending (someone else decided it first).
 */
@Injectable()
export class CodeChangeApplier {
  constructor(
    private readonly writer: CodeWriter,
    private readonly changes: CodeChangeRepository,
  ) {}

  /**
   * Applies many pending requests in one transaction per chunk, with the same rules and rows as
   * `apply`: set-based SQL instead of a commit per request, which is what lets a window apply
   * thousands of automatic changes quickly. Returns how many were applied.
   */
  async applyMany(changes: { id: string; userId: string }[], actor: string): Promise<number> {
    let applied = 0;
    for (let i = 0; i < changes.length; i += APPLY_CHUNK) {
      applied += await this.writer.transact((t) => this.applyPending(t, changes.slice(i, i + APPLY_CHUNK), actor));
    }
    return applied;
  }

  /**
   * `applyMany` inside the caller's code transaction, without chunks: claims the requests still
   * pending, then applies them; `note` is recorded on each. Returns how many codes were written.
   */
  async applyPending(
    t: CodeTransaction,
    changes: { id: string; userId: string }[],
    actor: string,
    note: string | null = null,
  ): Promise<number> {
    let applied = 0;
    for (let rest = changes; rest.length;) {
      const { first, others } = firstPerUser(rest);
      applied += await this.applyClaimed(
        t,
        await this.changes.decidePendingMany(
          t.tx,
          first.map((c) => c.id),
          'applied',
          actor,
          note,
        ),
        actor,
        note,
      );
      rest = others;
    }
    return applied;
  }

  /**
   * Writes the codes of requests this transaction already marked applied (at most one per
   * person); those the rules no longer allow (the person turned red meanwhile) become superseded.
   * Returns how many codes were written.
   */
  async applyClaimed(
    t: CodeTransaction,
    claimed: ChangeToApply[],
    actor: string,
    note: string | null = null,
  ): Promise<number> {
    const byId = new Map(claimed.map((c) => [c.id, c]));
    const items = claimed.map((c) => ({ userId: c.userId, changeId: c.id }));
    const written = await t.changeMany(items, actor, (current, id) => nextCodeFor(current, byId.get(id!)!));
    await this.changes.decideMany(
      t.tx,
      items.filter((i) => !written.has(i.userId)).map((i) => i.changeId),
      'superseded',
      actor,
      note,
    );
    return written.size;
  }

  /**
   * A window's full trace: its requests, most likely all new, stored with the automatic ones
   * applied in one statement (storeNewRequests), decided on the codes this transaction read with
   * the contacts (`known`), in `savepoint` if the trace set one (storeNewRequests). An automatic
   * request whose code changed since is applied under the lock as applyClaimed does. Returns how
   * many requests were new and applied, and the applied ones whose expiry grew (a rerun; the
   * caller extends those quarantines).
   */
  async insertApplied(
    t: CodeTransaction,
    windowId: number,
    rows: NewCodeChange[],
    actor: string,
    known: Map<string, VersionedCode>,
    savepoint?: Savepoint,
  ): Promise<{ created: number; applied: number; extended: CodeChangeRow[] }> {
    const writes: CodeWrite[] = rows.flatMap((r) => {
      const current = r.auto ? known.get(r.userId) : undefined;
      const next = current && nextCodeFor(current, r);
      return current && next ? [{ current, next, changeId: null }] : [];
    });
    const stored = await t.writeWith(writes, () =>
      this.changes.storeNewRequests(t.tx, windowId, rows, actor, writes, savepoint),
    );
    const written = new Set(stored.written.map((c) => c.userId));
    const missed = stored.applied.filter((a) => !written.has(a.userId));
    const byUser = missed.length ? new Map(rows.map((r) => [r.userId, r])) : new Map<string, NewCodeChange>();
    const late = missed.length
      ? await this.applyClaimed(
          t,
          missed.map(({ id, userId }) => ({ ...byUser.get(userId)!, id })),
          actor,
        )
      : 0;
    return { created: stored.created, applied: written.size + late, extended: stored.extended };
  }

  async apply(changeId: string, actor: string, opts: ApplyOptions = {}): Promise<CodeChangeRow | null> {
    const note = opts.note ?? null;
    return this.writer.transact(async (t) => {
      const claimed = await this.changes.decidePending(t.tx, changeId, 'applied', actor, note, opts.claimant);
      if (!claimed) return null;
      const { current, written } = await t.change(claimed.userId, actor, changeId, (c) => nextCodeFor(c, claimed));
      const change = written ? claimed : await this.changes.decide(t.tx, changeId, 'superseded', actor, note);
      await opts.onDecided?.(t.tx, { change, before: current, after: written });
      return change;
    });
  }
}
