import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { COLORS, type Color } from '#libs/domain/index.js';

export class LoginRequest {
  @ApiProperty() @IsString() @Length(1, 64) username!: string;
  @ApiProperty() @IsString() @Length(1, 256) password!: string;
}

export class LoginResponse {
  @ApiProperty() token!: string;
  @ApiProperty({ enum: ['admin', 'reviewer'] }) role!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class SetCodeRequest {
  @ApiProperty({ enum: COLORS }) @IsIn(COLORS) color!: Color;
  @ApiProperty() @IsString() @Length(1, 200) reason!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'start of the infectious period (red only)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @MaxLength(40)
  infectiousFrom?: string;
}

export class RevokeTokensRequest {
  @ApiProperty({ maxLength: 500, description: 'why (a lost or stolen phone), for the audit trail' })
  @IsString()
  @Length(1, 500)
  note!: string;
}

export class RevokedTokensResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: "the person's token version now: tokens of an older one are refused" })
  tokenVersion!: number;
}
