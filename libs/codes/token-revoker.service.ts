import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CodeCache } from '#libs/cache/index.js';
import { AuditRepository, HealthCodeRepository, type AuditEntry } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { toCodeView } from './code-writer.service.js';

/** Who revokes: an admin, or the operator CLI (`actor` says who ran it). */
export type RevokedBy = Pick<AuditEntry, 'adminId' | 'actor'>;

/**
 * Revokes every phone token a person holds (a lost or stolen phone) by moving their token version
 * on: tokens of the old version are refused on every route, other people's tokens and the
 * signing key are untouched. The phone registers again to get a new token.
 */
@Injectable()
export class TokenRevoker {
  private readonly logger = new Logger(TokenRevoker.name);

  constructor(
    private readonly db: DataSource,
    private readonly codes: HealthCodeRepository,
    private readonly cache: CodeCache,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * The new version, its audit row and the person's code lock in one transaction. Before the
   * commit the read-model entry is held at the new token version, which must succeed (else 503 and
   * nothing is revoked): from then on the old entry is gone and no fill read before the commit can
   * bring it back, so the revocation holds even if the write-through after the commit is lost.
   */
  async revoke(by: RevokedBy, userId: string, note: string | null): Promise<{ userId: string; tokenVersion: number }> {
    const after = await this.db.transaction(async (tx) => {
      const before = await this.codes.lockCode(tx, userId);
      if (!before) throw new DomainError(ErrorCode.NOT_FOUND, 'no such user');
      try {
        await this.cache.holdMany([{ userId, version: before.version, tokenVersion: before.tokenVersion + 1 }]);
      } catch (err) {
        this.logger.warn(`token revocation refused, the cache Redis is unavailable: ${(err as Error).message}`);
        throw new DomainError(ErrorCode.UNAVAILABLE, 'the read model is unavailable, nothing was revoked: try again');
      }
      const row = (await this.codes.bumpTokenVersion(tx, userId))!;
      await this.audit.append(tx, {
        ...by,
        action: 'user.revoke-tokens',
        targetType: 'user',
        targetId: userId,
        before: { tokenVersion: before.tokenVersion },
        after: { tokenVersion: row.tokenVersion },
        note,
      });
      return row;
    });
    // Best effort: until it lands (or the hold ends), reads of this person go to Postgres.
    await this.cache
      .put(toCodeView(after))
      .catch((err: Error) => this.logger.warn(`cache write failed after a token revocation: ${err.message}`));
    return { userId, tokenVersion: after.tokenVersion };
  }
}
