import { Injectable } from '@nestjs/common';
import { AuditRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import type { AuditPage, AuditQuery } from './audit-trail.dto.js';
import { DEFAULT_PAGE_SIZE } from './pagination.js';
import { iso } from './views.js';

/** Reading the audit trail: filtered pages with their total, newest first. */
@Injectable()
export class AuditTrailService {
  constructor(private readonly audit: AuditRepository) {}

  async list(q: AuditQuery): Promise<AuditPage> {
    const fromMs = q.from === undefined ? undefined : Date.parse(q.from);
    const toMs = q.to === undefined ? undefined : Date.parse(q.to);
    if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
      throw new DomainError(ErrorCode.VALIDATION, 'to must not be before from', [
        { field: 'to', message: 'to must not be before from' },
      ]);
    const filter = { actor: q.actor, person: q.person, action: q.action, fromMs, toMs };
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const [rows, total] = await Promise.all([
      this.audit.list(filter, pageSize, (page - 1) * pageSize),
      this.audit.count(filter),
    ]);
    return { items: rows.map(({ atMs, ...r }) => ({ ...r, at: iso(atMs)! })), total, page, pageSize };
  }
}
