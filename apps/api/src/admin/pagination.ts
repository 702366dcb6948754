import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DomainError, ErrorCode } from '#libs/domain/index.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `limit` and `cursor` of every list route. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

const VERSION = 'v1:';

/**
 * Cursors are opaque to clients (they may change shape); inside, the sort key of the last row
 * of the page, so the next page starts right after it whatever was inserted meanwhile.
 */
export function encodeCursor(key: string): string {
  return Buffer.from(VERSION + key).toString('base64url');
}

/** The sort key inside a cursor; a cursor this API did not issue is a 400 naming `cursor`. */
export function decodeCursor(cursor: string | undefined, valid: RegExp): string | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const key = text.startsWith(VERSION) ? text.slice(VERSION.length) : '';
  if (!valid.test(key) || encodeCursor(key) !== cursor) {
    throw new DomainError(ErrorCode.VALIDATION, 'cursor is not a cursor from this list', [
      { field: 'cursor', message: 'cursor is not a cursor from this list' },
    ]);
  }
  return key;
}

/** Callers fetch `limit + 1` rows: the extra row only says that another page exists. */
export function toPage<R, V>(rows: R[], limit: number, key: (r: R) => string, view: (r: R) => V): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
