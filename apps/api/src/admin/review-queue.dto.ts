import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CODE_CHANGE_STATUSES, QUEUE_SORTS, type CodeChangeStatus, type QueueSort } from '#libs/db/index.js';
import { ADMIN_USERNAME_PATTERN } from '#libs/domain/index.js';
import { CodeChangeResponse, DECISIONS, type Decision } from './code-changes.dto.js';
import { InstantField, PageNumberField, PageSizeField } from './pagination.js';

export const KINDS = ['auto', 'review'] as const;
export const ORDERS = ['asc', 'desc'] as const;
const USER_ID = /^[1-9]\d{0,17}$/;
/** A geohash prefix: 1 to 8 characters of the geohash alphabet. */
const AREA = /^[0-9b-hjkmnp-z]{1,8}$/;
const MAX_EXPOSURE = 10_000_000;
/** Most requests one bulk decision takes: it is one transaction (all or nothing). */
export const MAX_BULK_BY_FILTER = 20_000;

/** The queue's filter: the same fields in a list's query, an export's and a bulk decision's body. */
export class CodeChangeFilterDto {
  @ApiPropertyOptional({ enum: CODE_CHANGE_STATUSES })
  @IsOptional()
  @IsIn(CODE_CHANGE_STATUSES)
  status?: CodeChangeStatus;

  @ApiPropertyOptional({ enum: KINDS, description: 'automatic requests, or those for review' })
  @IsOptional()
  @IsIn(KINDS)
  kind?: (typeof KINDS)[number];

  @ApiPropertyOptional({ minimum: 0, description: 'exposure at least this many seconds' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_EXPOSURE)
  exposureMin?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'exposure at most this many seconds' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_EXPOSURE)
  exposureMax?: number;

  @InstantField("the request's window starts at or after this time") from?: string;

  @InstantField("the request's window starts before this time") to?: string;

  @ApiPropertyOptional({ description: 'a geohash prefix (1-8 characters): requests with a contact in that area' })
  @IsOptional()
  @Matches(AREA, { message: 'area must be a geohash prefix of 1-8 characters' })
  area?: string;

  @ApiPropertyOptional({ description: "a person's id: requests whose sources include that person" })
  @IsOptional()
  @Matches(USER_ID, { message: 'source must be a user id (digits)' })
  source?: string;

  @ApiPropertyOptional({ description: "an admin's username: requests that admin decided" })
  @IsOptional()
  @Matches(ADMIN_USERNAME_PATTERN, { message: 'decidedBy must be a username' })
  decidedBy?: string;
}

export class QueueOrderQuery extends CodeChangeFilterDto {
  @ApiPropertyOptional({ enum: QUEUE_SORTS, default: 'age' }) @IsOptional() @IsIn(QUEUE_SORTS) sort?: QueueSort;
  @ApiPropertyOptional({ enum: ORDERS, default: 'asc' }) @IsOptional() @IsIn(ORDERS) order?: (typeof ORDERS)[number];
}

/**
 * `page` and `pageSize` answer a page with the total; the older `limit` and `cursor` (id order)
 * still answer `{ items, nextCursor }`. One form per request.
 */
export class ListCodeChangesQuery extends QueueOrderQuery {
  @PageNumberField() page?: number;

  @PageSizeField() pageSize?: number;

  @PageSizeField('cursor form: page size') limit?: number;

  @ApiPropertyOptional({ description: 'cursor form: nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class CodeChangeQueuePage {
  @ApiProperty({ type: [CodeChangeResponse] }) items!: CodeChangeResponse[];
  @ApiPropertyOptional({ description: 'page form: all matching requests' }) total?: number;
  @ApiPropertyOptional() page?: number;
  @ApiPropertyOptional() pageSize?: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'cursor form only' }) nextCursor?: string | null;
}

export class BulkPreviewRequest {
  @ApiProperty({ type: CodeChangeFilterDto, description: "the list's filter; pending requests only" })
  @IsObject()
  @ValidateNested()
  @Type(() => CodeChangeFilterDto)
  filter!: CodeChangeFilterDto;
}

export class BulkPreviewResponse {
  @ApiProperty({ description: 'pending requests the filter matches (leaving out those claimed by others)' })
  count!: number;
  @ApiProperty({ description: 'binds the filter and the count for the decision; valid 5 minutes' }) token!: string;
}

export class BulkByFilterRequest extends BulkPreviewRequest {
  @ApiProperty({ enum: DECISIONS }) @IsIn(DECISIONS) decision!: Decision;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
  @ApiProperty({ description: "the preview's count" }) @Type(() => Number) @IsInt() @Min(0) expectedCount!: number;
  @ApiProperty() @IsString() @MaxLength(2000) token!: string;
}

export class BulkByFilterResponse {
  @ApiProperty() decided!: number;
}

export class ClaimRequest {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  count?: number;

  @ApiPropertyOptional({ type: CodeChangeFilterDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CodeChangeFilterDto)
  filter?: CodeChangeFilterDto;
}

export class ClaimResponse {
  @ApiProperty({ type: [CodeChangeResponse] }) claimed!: CodeChangeResponse[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class ReleaseResponse {
  @ApiProperty() released!: number;
}
