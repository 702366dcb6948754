import { Injectable } from '@nestjs/common';
import { CodeChangeRepository, type CodeChangeRow } from '#libs/db/index.js';
import { canRequestRaise, extendQuarantine } from '#libs/domain/index.js';
import { CodeWriter } from './code-writer.service.js';

/**
 * Applies a pending code-change request: the same transaction whether tracing applies it
 * automatically or an admin approves it. A request that would lower the code is superseded.
 * Returns null when the request is no longer pending (someone else decided it first).
 */
@Injectable()
export class CodeChangeApplier {
  constructor(private readonly writer: CodeWriter, private readonly changes: CodeChangeRepository) {}

  async apply(changeId: string, actor: string, note: string | null = null): Promise<CodeChangeRow | null> {
    return this.writer.transact(async (t) => {
      const change = await this.changes.lockChange(t.tx, changeId);
      if (!change || change.status !== 'pending') return null;
      const { written } = await t.change(change.userId, actor, changeId, (current) =>
        canRequestRaise(current.color, change.toColor)
          ? {
              color: change.toColor,
              reason: change.reason,
              expiresAtMs: change.toColor === 'yellow' ? extendQuarantine(current.color === 'yellow' ? current.expiresAtMs : null, change.expiresAtMs!) : null,
              infectiousFromMs: current.infectiousFromMs,
            }
          : null,
      );
      return this.changes.decide(t.tx, changeId, written ? 'applied' : 'superseded', actor, note);
    });
  }
}
