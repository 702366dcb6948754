import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from './pagination.js';

export class AuditQuery {
  @ApiPropertyOptional({ description: 'who acted: an admin username, or cli:<operator>' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:@-]{1,100}$/, { message: 'actor must be a username or cli:<name>' })
  actor?: string;

  @ApiPropertyOptional({ description: "a person's id: actions on that person and on their requests" })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'person must be a user id (digits)' })
  person?: string;

  @ApiPropertyOptional({ description: 'an action, e.g. code.set, person.code.read, code_change.bulk_decide' })
  @IsOptional()
  @Matches(/^[a-z][a-z_.-]{0,63}$/, { message: 'action must be an action name' })
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize?: number;
}

export class AuditItem {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() action!: string;
  @ApiProperty() targetType!: string;
  @ApiProperty() targetId!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: Object }) before!: unknown;
  @ApiProperty({ nullable: true, type: Object }) after!: unknown;
}

export class AuditPage {
  @ApiProperty({ type: [AuditItem] }) items!: AuditItem[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
