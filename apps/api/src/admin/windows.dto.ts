import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { WINDOW_STATUSES, type WindowStatus } from '#libs/db/index.js';
import { PageQuery } from './pagination.js';

export class WindowIdParam {
  @ApiProperty() @Matches(/^(0|[1-9]\d{0,14})$/, { message: 'id must be a window id (digits)' }) id!: string;
}

export class ListWindowsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WINDOW_STATUSES }) @IsOptional() @IsIn(WINDOW_STATUSES) status?: WindowStatus;
}

export class WindowResponse {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty({ enum: WINDOW_STATUSES }) status!: string;
  @ApiProperty({ type: Object, description: "the tracing's statistics (empty until traced)" }) stats!: Record<
    string,
    unknown
  >;
}

export class WindowPage {
  @ApiProperty({ type: [WindowResponse] }) items!: WindowResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class RerunResponse {
  @ApiProperty() windowId!: number;
  @ApiProperty({ description: 'the new tracing generation (the job id carries it)' }) generation!: number;
  @ApiProperty({ enum: ['closing'] }) status!: string;
}
