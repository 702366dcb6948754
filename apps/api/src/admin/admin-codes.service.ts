import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeWriter } from '#libs/codes/index.js';
import {
  AuditRepository,
  HealthCodeRepository,
  RetroTraceRepository,
  type CodeRow,
  type HistoryRow,
  type NextCode,
} from '#libs/db/index.js';
import {
  DomainError,
  ErrorCode,
  defaultInfectiousFromMs,
  quarantineExpiresAtMs,
  retroTraceWindows,
  startsEarlierSource,
} from '#libs/domain/index.js';
import { JobName, TRACING_QUEUE, retroTraceJobId } from '#libs/queue/index.js';
import { auditEntry } from './admin-actor.js';
import type { SetCodeRequest } from './admin.dto.js';

@Injectable()
export class AdminCodesService {
  private readonly logger = new Logger(AdminCodesService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: CodeWriter,
    private readonly codes: HealthCodeRepository,
    private readonly audit: AuditRepository,
    private readonly retros: RetroTraceRepository,
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
  ) {}

  /**
   * Sets a person's code by hand; the change, its history row and the audit row commit together.
   * A red that makes the person a source earlier than before (or at all) also records a
   * retro-trace of the windows already traced since its infectious start, in the same
   * transaction; its job is queued after the commit (or by the reconciler if Redis cannot take it).
   */
  async setCode(admin: AdminPrincipal, userId: string, body: SetCodeRequest, nowMs = Date.now()): Promise<CodeRow> {
    const infectiousFromMs = body.infectiousFrom ? Date.parse(body.infectiousFrom) : null;
    if (infectiousFromMs !== null && body.color !== 'red') {
      throw new DomainError(ErrorCode.VALIDATION, 'infectiousFrom is only for red', [
        { field: 'infectiousFrom', message: 'infectiousFrom is only for red' },
      ]);
    }
    if (infectiousFromMs !== null && infectiousFromMs > nowMs + this.config.maxClockSkewSeconds * 1000) {
      throw new DomainError(ErrorCode.VALIDATION, 'infectiousFrom must not be in the future', [
        { field: 'infectiousFrom', message: 'infectiousFrom must not be in the future' },
      ]);
    }
    const next: NextCode = {
      color: body.color,
      reason: body.reason,
      expiresAtMs: body.color === 'yellow' ? quarantineExpiresAtMs(nowMs, this.config.quarantineSeconds) : null,
      infectiousFromMs:
        body.color === 'red'
          ? (infectiousFromMs ?? defaultInfectiousFromMs(nowMs, this.config.infectiousLookbackSeconds))
          : null,
    };
    let retroId: string | null = null;
    const written = await this.writer.transact(async (t) => {
      const { current, written } = await t.change(userId, `admin:${admin.username}`, null, () => next);
      if (!current || !written) return null;
      const windows = startsEarlierSource(current, written)
        ? retroTraceWindows(written.infectiousFromMs!, nowMs, this.config.grid, this.config)
        : null;
      if (windows) retroId = await this.retros.create(t.tx, userId, windows.first, windows.last);
      await this.audit.append(t.tx, {
        adminId: admin.adminId,
        actor: admin.username,
        action: 'code.set',
        targetType: 'user',
        targetId: userId,
        before: { color: current.color, reason: current.reason },
        after: { color: written.color, reason: written.reason },
        note: null,
      });
      return written;
    });
    if (!written) throw new DomainError(ErrorCode.NOT_FOUND, 'no such user');
    if (retroId !== null) await this.queueRetroTrace(retroId);
    return written;
  }

  private async queueRetroTrace(retroId: string): Promise<void> {
    await this.queue
      .add(JobName.RetroTrace, { retroId }, { jobId: retroTraceJobId(retroId) })
      .catch((err: Error) => this.logger.warn(`retro-trace ${retroId} left to the reconciler: ${err.message}`));
  }

  /** A person's code and history: two reads of personal data, audited before they are answered. */
  async getCode(admin: AdminPrincipal, userId: string): Promise<{ code: CodeRow; history: HistoryRow[] }> {
    const code = (await this.codes.findCodes([userId])).get(userId);
    if (!code) throw new DomainError(ErrorCode.NOT_FOUND, 'no such user');
    const history = await this.codes.findHistory(userId);
    const person = { type: 'user', id: userId };
    await this.audit.appendMany(this.audit.db, [
      auditEntry(admin, 'person.code.read', person, null, { version: code.version }),
      auditEntry(admin, 'person.history.read', person, null, { rows: history.length }),
    ]);
    return { code, history };
  }
}
