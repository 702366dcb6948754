import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class UserIdParam {
  @ApiProperty() @Matches(/^[1-9]\d{0,17}$/, { message: 'userId must be a user id (digits)' }) userId!: string;
}
