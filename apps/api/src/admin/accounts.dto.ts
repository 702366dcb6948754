import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ADMIN_ROLES, type AdminRole } from '#libs/db/index.js';

// Usernames and passwords are checked by libs/domain's rules (the CLI's): here only their type and size.
export class UsernameParam {
  @ApiProperty({ description: '3-64 of a-z 0-9 . _ -' }) @IsString() @MaxLength(64) username!: string;
}

export class CreateAccountRequest {
  @ApiProperty({ description: '3-64 of a-z 0-9 . _ -' }) @IsString() @MaxLength(64) username!: string;
  @ApiProperty({ enum: ADMIN_ROLES }) @IsIn(ADMIN_ROLES) role!: AdminRole;
  @ApiPropertyOptional({ description: '12-256 characters; generated (and answered once) when left out' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}

export class AccountResponse {
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ADMIN_ROLES }) role!: string;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class AccountList {
  @ApiProperty({ type: [AccountResponse] }) items!: AccountResponse[];
}

export class CreatedAccount {
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ADMIN_ROLES }) role!: string;
  @ApiPropertyOptional({ description: 'the generated password, shown this once' }) password?: string;
}

export class DisableAccountRequest {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class ResetPasswordRequest {
  @ApiPropertyOptional({ description: '12-256 characters; generated (and answered once) when left out' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}

export class ResetPasswordResponse {
  @ApiPropertyOptional({ description: 'the generated password, shown this once' }) password?: string;
}
