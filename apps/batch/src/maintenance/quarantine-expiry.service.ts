import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { CodeWriter } from '#libs/codes/index.js';
import { HealthCodeRepository } from '#libs/db/index.js';
import { isQuarantineOver } from '#libs/domain/index.js';

const PAGE = 500;

const ended = new Counter({
  name: 'hc_quarantines_ended_total',
  help: 'yellow codes turned green by the expiry sweep',
});

/**
 * The expiry sweep: yellows whose quarantine has ended become green in Postgres (new version,
 * history row by `system`) and in the cache, through CodeWriter. Each code is re-checked under
 * its row lock, so a quarantine extended meanwhile by a new exposure is left alone, and none
 * ends before its time. The read path already shows an expired yellow as green; this makes the
 * truth say so too.
 */
@Injectable()
export class QuarantineExpiry {
  private readonly logger = new Logger(QuarantineExpiry.name);

  constructor(
    private readonly codes: HealthCodeRepository,
    private readonly writer: CodeWriter,
  ) {}

  async sweep(nowMs = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const userIds = await this.codes.findEndedQuarantines(nowMs, PAGE);
      let page = 0;
      await this.writer.transact(async (t) => {
        for (const userId of userIds) {
          const { written } = await t.change(userId, 'system', null, (c) =>
            isQuarantineOver(c.color, c.expiresAtMs, nowMs)
              ? { color: 'green', reason: 'quarantine ended', expiresAtMs: null, infectiousFromMs: null }
              : null,
          );
          if (written) page++;
        }
      });
      total += page;
      if (userIds.length < PAGE || page === 0) break;
    }
    if (total) {
      ended.inc(total);
      this.logger.log({ msg: 'quarantines ended', count: total });
    }
    return total;
  }
}
