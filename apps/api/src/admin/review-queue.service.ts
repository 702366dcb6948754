import { Inject, Injectable } from '@nestjs/common';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import {
  AuditRepository,
  ReviewQueueRepository,
  type CodeChangeFilter,
  type CodeChangeRow,
  type QueueOrder,
} from '#libs/db/index.js';
import { DomainError, ErrorCode, firstWindowStartingFrom } from '#libs/domain/index.js';
import { auditEntry } from './admin-actor.js';
import { csvLine } from './csv.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from './pagination.js';
import type { CodeChangeFilterDto, ListCodeChangesQuery, QueueOrderQuery } from './review-queue.dto.js';
import { codeChangeView, iso } from './views.js';

const invalid = (field: string, message: string) =>
  new DomainError(ErrorCode.VALIDATION, message, [{ field, message }]);

/** The filter's fields in one order, unset ones left out: what a bulk decision's token binds. */
export function canonicalFilter(f: CodeChangeFilterDto): Record<string, string | number> {
  const keys = ['status', 'kind', 'exposureMin', 'exposureMax', 'from', 'to', 'area', 'source', 'decidedBy'] as const;
  return Object.fromEntries(keys.filter((k) => f[k] !== undefined).map((k) => [k, f[k]!]));
}

const CSV_COLUMNS =
  'id,userId,fromColor,toColor,status,auto,exposureSeconds,windowStart,windowEnd,createdAt,decidedBy,decidedAt';

/** The review queue as the officials' console reads it: filtered, sorted pages and the CSV export. */
@Injectable()
export class ReviewQueueService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: ReviewQueueRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** The repository's filter of a request's; a range whose ends cross is a 400 naming its end. */
  toFilter(f: CodeChangeFilterDto): CodeChangeFilter {
    if (f.exposureMin !== undefined && f.exposureMax !== undefined && f.exposureMin > f.exposureMax)
      throw invalid('exposureMax', 'exposureMax must not be below exposureMin');
    const fromMs = f.from === undefined ? undefined : Date.parse(f.from);
    const toMs = f.to === undefined ? undefined : Date.parse(f.to);
    if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw invalid('to', 'to must not be before from');
    const { grid } = this.config;
    return {
      status: f.status,
      auto: f.kind === undefined ? undefined : f.kind === 'auto',
      exposureMin: f.exposureMin,
      exposureMax: f.exposureMax,
      fromWindow: fromMs === undefined ? undefined : firstWindowStartingFrom(fromMs, grid),
      toWindow: toMs === undefined ? undefined : firstWindowStartingFrom(toMs, grid),
      area: f.area,
      sourceId: f.source,
      decidedBy: f.decidedBy,
    };
  }

  private order(q: QueueOrderQuery): QueueOrder {
    return { sort: q.sort ?? 'age', desc: q.order === 'desc' };
  }

  view = (c: CodeChangeRow) => codeChangeView(c, this.config.grid);

  /** A page with the total, or (`limit`/`cursor`, the older form) a page and the next cursor in id order. */
  async list(q: ListCodeChangesQuery) {
    const filter = this.toFilter(q);
    if (q.cursor !== undefined || q.limit !== undefined) {
      const mixed = ['page', 'pageSize', 'sort', 'order'].find((k) => q[k as keyof ListCodeChangesQuery] !== undefined);
      if (mixed) throw invalid(mixed, `${mixed} cannot be combined with limit or cursor`);
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      const afterId = decodeCursor(q.cursor, /^\d{1,19}$/) ?? '0';
      return toPage(await this.queue.pageAfter(filter, afterId, limit + 1), limit, (r) => r.id, this.view);
    }
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const [rows, total] = await Promise.all([
      this.queue.page(filter, this.order(q), pageSize, (page - 1) * pageSize),
      this.queue.count(filter),
    ]);
    return { items: rows.map(this.view), total, page, pageSize };
  }

  /**
   * The CSV of every matching request, as lines produced batch by batch. The export is audited
   * (its filter) before the first line is read: a bulk read of personal data leaves a trace.
   */
  async export(admin: AdminPrincipal, q: QueueOrderQuery): Promise<AsyncGenerator<string>> {
    const filter = this.toFilter(q);
    const order = this.order(q);
    await this.audit.append(
      this.audit.db,
      auditEntry(admin, 'code_change.export', { type: 'code-changes', id: 'filter' }, null, {
        filter: canonicalFilter(q),
        sort: order.sort,
        order: order.desc ? 'desc' : 'asc',
      }),
    );
    const { grid } = this.config;
    const rows = this.queue.stream(filter, order);
    return (async function* () {
      yield `${CSV_COLUMNS}\n`;
      for await (const batch of rows) {
        yield batch
          .map((c) => {
            const v = codeChangeView(c, grid);
            return csvLine([
              v.id,
              v.userId,
              v.fromColor,
              v.toColor,
              v.status,
              v.auto,
              v.exposureSeconds,
              v.windowStart,
              v.windowEnd,
              v.createdAt,
              v.decidedBy,
              v.decidedAt,
            ]);
          })
          .join('\n')
          .concat('\n');
      }
    })();
  }

  /** Claims for the caller the oldest unclaimed pending requests matching the filter. */
  async claim(admin: AdminPrincipal, count: number, f: CodeChangeFilterDto = {}) {
    if (f.status !== undefined && f.status !== 'pending')
      throw invalid('filter.status', 'only pending requests can be claimed');
    const seconds = this.config.claimSeconds;
    const claimed = await this.queue.claim(admin.username, seconds, count, this.toFilter(f));
    const expiresAt = claimed[0]?.claimExpiresAtMs ?? Date.now() + seconds * 1000;
    return { claimed: claimed.map(this.view), expiresAt: iso(expiresAt)! };
  }

  async release(admin: AdminPrincipal) {
    return { released: await this.queue.release(admin.username) };
  }
}
