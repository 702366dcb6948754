import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ApiCreatedResponse, ApiProperty, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { NoBodyPipe } from '#libs/http/index.js';
import { UsersService } from './users.service.js';

export class RegistrationResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: 'bearer JWT for this user' }) token!: string;
}

@ApiTags('users')
@Controller('v1/users')
@UseGuards(ThrottlerGuard) // per client address: HC_REGISTRATIONS_PER_MINUTE
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: RegistrationResponse })
  @ApiTooManyRequestsResponse({ description: 'too many registrations from this address; see Retry-After' })
  register(@Body(NoBodyPipe) _body: undefined): Promise<RegistrationResponse> {
    return this.users.register();
  }
}
