import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { InstantField, PageNumberField, PageSizeField } from './pagination.js';

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

  @InstantField('at or after') from?: string;

  @InstantField('before') to?: string;

  @PageNumberField() page?: number;

  @PageSizeField() pageSize?: number;
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
