import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { CodeChangeApplier, CodeWriter } from '#libs/codes/index.js';
import { APP_CONFIG, requireJwtSecret, type AppConfig } from '#libs/config/index.js';
import {
  AuditRepository,
  CodeChangeRepository,
  HealthCodeRepository,
  ReviewQueueRepository,
  type CodeChangeRow,
} from '#libs/db/index.js';
import { DomainError, ErrorCode, checkRevocation } from '#libs/domain/index.js';
import { actorOf, auditEntry } from './admin-actor.js';
import { BulkPreviewTokens } from './bulk-preview-token.js';
import type { Decision } from './code-changes.dto.js';
import { MAX_BULK_BY_FILTER, type BulkByFilterRequest, type CodeChangeFilterDto } from './review-queue.dto.js';
import { ReviewQueueService, canonicalFilter } from './review-queue.service.js';
import { ReviewMetrics } from './review-metrics.js';

export interface BulkItem {
  id: string;
  status: string;
  error?: string;
}

const target = (id: string) => ({ type: 'code-change', id });
const invalid = (field: string, message: string) =>
  new DomainError(ErrorCode.VALIDATION, message, [{ field, message }]);

/**
 * An admin's decisions on code changes. Each one is a transaction with its audit row; approving
 * goes through the CodeChangeApplier, exactly as an automatic change does. A request another
 * official holds a live claim on is not decided (409 naming them).
 */
@Injectable()
export class CodeChangeDecisionsService {
  private readonly previews: BulkPreviewTokens;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DataSource,
    private readonly applier: CodeChangeApplier,
    private readonly writer: CodeWriter,
    private readonly changes: CodeChangeRepository,
    private readonly codes: HealthCodeRepository,
    private readonly audit: AuditRepository,
    private readonly metrics: ReviewMetrics,
    private readonly queue: ReviewQueueRepository,
    private readonly queueReads: ReviewQueueService,
  ) {
    this.previews = new BulkPreviewTokens(requireJwtSecret(config));
  }

  /** Applies the request (or supersedes it when the person's code is already at or above it). */
  async approve(admin: AdminPrincipal, id: string, note: string | null): Promise<CodeChangeRow> {
    const change = await this.applier.apply(id, actorOf(admin), {
      note,
      claimant: admin.username,
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
      const rejected = await this.changes.decidePending(tx, id, 'rejected', actorOf(admin), note, admin.username);
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

  /** What a bulk decision by filter would take: the pending requests it matches now, and a token binding both. */
  async previewByFilter(admin: AdminPrincipal, f: CodeChangeFilterDto): Promise<{ count: number; token: string }> {
    const filter = this.bulkFilter(admin, f);
    const count = await this.queue.count(filter);
    return { count, token: this.previews.issue({ adminId: admin.adminId, filter: canonicalFilter(f), count }) };
  }

  /**
   * Decides every pending request the filter matches, all or nothing: one transaction locks them,
   * checks their number is still the preview's, decides them as single decisions do (approving
   * through the applier: codes, history rows, superseded where the code is already higher) and
   * appends one audit row with the count. Requests claimed by other officials are left out.
   */
  async decideByFilter(admin: AdminPrincipal, body: BulkByFilterRequest): Promise<{ decided: number }> {
    const claims = this.previews.verify(body.token);
    if (!claims || claims.adminId !== admin.adminId)
      throw invalid('token', 'token is not a current preview of this account: preview again');
    const canonical = canonicalFilter(body.filter);
    if (JSON.stringify(claims.filter) !== JSON.stringify(canonical))
      throw invalid('filter', 'filter is not the one previewed: preview again');
    if (body.expectedCount !== claims.count)
      throw invalid('expectedCount', 'expectedCount is not the count the preview showed');
    if (claims.count > MAX_BULK_BY_FILTER)
      throw invalid('filter', `the filter matches more than ${MAX_BULK_BY_FILTER} requests: narrow it`);
    const filter = this.bulkFilter(admin, body.filter);
    const actor = actorOf(admin);
    const note = body.note ?? null;
    const outcome = await this.writer.transact(async (t) => {
      const rows = await this.queue.lockPending(t.tx, filter);
      if (rows.length !== body.expectedCount) return { changed: rows.length };
      if (body.decision === 'approve') await this.applier.applyPending(t, rows, actor, note);
      else
        await this.changes.decidePendingMany(
          t.tx,
          rows.map((r) => r.id),
          'rejected',
          actor,
          note,
        );
      await this.audit.append(
        t.tx,
        auditEntry(
          admin,
          'code_change.bulk_decide',
          { type: 'code-changes', id: 'filter' },
          null,
          { decision: body.decision, count: rows.length, filter: canonical },
          note,
        ),
      );
      return { decided: rows.length };
    });
    if ('changed' in outcome)
      throw new DomainError(
        ErrorCode.CONFLICT,
        `the filter now matches ${outcome.changed} pending requests, not ${body.expectedCount}: preview again`,
      );
    this.metrics.decided(admin.role, body.decision === 'approve' ? 'applied' : 'rejected', outcome.decided);
    return outcome;
  }

  private bulkFilter(admin: AdminPrincipal, f: CodeChangeFilterDto) {
    if (f.status !== undefined && f.status !== 'pending')
      throw invalid('filter.status', 'only pending requests can be decided');
    return { ...this.queueReads.toFilter(f), status: 'pending' as const, claimableBy: admin.username };
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
    if (existing.status === 'pending' && existing.claimedBy && existing.claimedBy !== admin.username)
      throw new DomainError(
        ErrorCode.CONFLICT,
        `the code change is claimed by ${existing.claimedBy} until ${new Date(existing.claimExpiresAtMs!).toISOString()}`,
        [{ claimedBy: existing.claimedBy }],
      );
    throw new DomainError(ErrorCode.CONFLICT, `the code change is no longer pending (it is ${existing.status})`);
  }
}
