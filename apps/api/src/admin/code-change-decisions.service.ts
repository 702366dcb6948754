import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { CodeChangeApplier, CodeWriter } from '#libs/codes/index.js';
import { AuditRepository, CodeChangeRepository, HealthCodeRepository, type CodeChangeRow } from '#libs/db/index.js';
import { DomainError, ErrorCode, checkRevocation } from '#libs/domain/index.js';
import { actorOf, auditEntry } from './admin-actor.js';
import type { Decision } from './code-changes.dto.js';
import { ReviewMetrics } from './review-metrics.js';

export interface BulkItem {
  id: string;
  status: string;
  error?: string;
}

const target = (id: string) => ({ type: 'code-change', id });

/**
 * An admin's decisions on code changes. Each one is a transaction with its audit row; approving
 * goes through the CodeChangeApplier, exactly as an automatic change does.
 */
@Injectable()
export class CodeChangeDecisionsService {
  constructor(
    private readonly db: DataSource,
    private readonly applier: CodeChangeApplier,
    private readonly writer: CodeWriter,
    private readonly changes: CodeChangeRepository,
    private readonly codes: HealthCodeRepository,
    private readonly audit: AuditRepository,
    private readonly metrics: ReviewMetrics,
  ) {}

  /** Applies the request (or supersedes it when the person's code is already at or above it). */
  async approve(admin: AdminPrincipal, id: string, note: string | null): Promise<CodeChangeRow> {
    const change = await this.applier.apply(id, actorOf(admin), {
      note,
      onDecided: (tx, a) =>
        this.audit.append(
          tx,
          auditEntry(
            admin,
            'code-change.approve',
            target(id),
            { status: 'pending', color: a.before?.color ?? null },
            { status: a.change.status, color: (a.after ?? a.before)?.color ?? null },
            note,
          ),
        ),
    });
    return this.decided(admin, id, change);
  }

  async reject(admin: AdminPrincipal, id: string, note: string | null): Promise<CodeChangeRow> {
    const change = await this.db.transaction(async (tx) => {
      const rejected = await this.changes.decidePending(tx, id, 'rejected', actorOf(admin), note);
      if (rejected)
        await this.audit.append(
          tx,
          auditEntry(admin, 'code-change.reject', target(id), { status: 'pending' }, { status: 'rejected' }, note),
        );
      return rejected;
    });
    return this.decided(admin, id, change);
  }

  /** Each distinct id decided once, each in its own transaction; the answer says what became of each. */
  async decideMany(admin: AdminPrincipal, ids: string[], decision: Decision, note: string | null): Promise<BulkItem[]> {
    const items: BulkItem[] = [];
    for (const id of new Set(ids)) {
      try {
        const change =
          decision === 'approve' ? await this.approve(admin, id, note) : await this.reject(admin, id, note);
        items.push({ id, status: change.status });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        if (err.code === ErrorCode.NOT_FOUND) items.push({ id, status: 'not_found', error: ErrorCode.NOT_FOUND });
        else items.push({ id, status: (await this.changes.findChange(id))?.status ?? 'not_found', error: err.code });
      }
    }
    return items;
  }

  /** Undoes an applied change, restoring the code before it, when no newer change rests on it. */
  async revoke(admin: AdminPrincipal, id: string, note: string): Promise<CodeChangeRow> {
    const actor = actorOf(admin);
    const outcome = await this.writer.transact(async (t) => {
      const change = await this.changes.lockChange(t.tx, id);
      if (!change) return null;
      const versions = await this.codes.findChangeVersions(t.tx, change.userId, id);
      let refusal = 'the person has no code';
      const { current, written } = await t.change(change.userId, actor, id, (code) => {
        const r = checkRevocation({ status: change.status, currentVersion: code.version, ...versions });
        if (r.ok) return r.restore;
        refusal = r.reason;
        return null;
      });
      if (!written) return { refusal };
      const revoked = await this.changes.decide(t.tx, id, 'revoked', actor, note);
      await this.audit.append(
        t.tx,
        auditEntry(
          admin,
          'code-change.revoke',
          target(id),
          { status: change.status, color: current?.color ?? null },
          { status: 'revoked', color: written.color },
          note,
        ),
      );
      return { revoked };
    });
    if (!outcome) throw new DomainError(ErrorCode.NOT_FOUND, 'no such code change');
    if (!outcome.revoked) throw new DomainError(ErrorCode.CONFLICT, `the change cannot be revoked: ${outcome.refusal}`);
    this.metrics.decided(admin.role, 'revoked');
    return outcome.revoked;
  }

  /** A decision made counts; none made means the request is unknown (404) or already decided (409). */
  private async decided(admin: AdminPrincipal, id: string, change: CodeChangeRow | null): Promise<CodeChangeRow> {
    if (change) {
      this.metrics.decided(admin.role, change.status);
      return change;
    }
    const existing = await this.changes.findChange(id);
    if (!existing) throw new DomainError(ErrorCode.NOT_FOUND, 'no such code change');
    throw new DomainError(ErrorCode.CONFLICT, `the code change is no longer pending (it is ${existing.status})`);
  }
}
