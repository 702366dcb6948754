import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DomainError, ErrorCode } from '#libs/domain/index.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_PAGE_NUMBER = 1_000_000;

/** An optional whole number of a query, within [min, max]. */
const IntField = (min: number, max: number, doc: { default?: number; description?: string } = {}) =>
  applyDecorators(
    ApiPropertyOptional({ minimum: min, maximum: max, ...doc }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(min),
    Max(max),
  );

/** `page` of a list that answers its total: from 1. */
export const PageNumberField = () => IntField(1, MAX_PAGE_NUMBER, { default: 1 });

/** `pageSize` (or `limit`) of a list: 1 to MAX_PAGE_SIZE. */
export const PageSizeField = (description?: string) =>
  IntField(1, MAX_PAGE_SIZE, { default: DEFAULT_PAGE_SIZE, ...(description ? { description } : {}) });

/** An optional instant of a list's filter (`from`, `to`), ISO-8601. */
export const InstantField = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ format: 'date-time', description }),
    IsOptional(),
    IsISO8601({ strict: true }),
    MaxLength(40),
  );

/** `limit` and `cursor` of every list route. */
export class PageQuery {
  @PageSizeField() limit?: number;

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
