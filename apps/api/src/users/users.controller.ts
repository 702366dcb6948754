import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, UserAuthGuard, type UserPrincipal } from '#libs/auth/index.js';
import { NoBodyPipe } from '#libs/http/index.js';
import { UsersService } from './users.service.js';

/** A phone's credential (docs/api.md, Phones). */
export class UserTokenResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({
    description: 'bearer JWT for this person; renew it before expiresAt with POST /v1/users/me/token',
  })
  token!: string;
  @ApiProperty({ format: 'date-time', description: 'after this the token is refused (401)' }) expiresAt!: string;
}

@ApiTags('users')
@Controller('v1/users')
@UseGuards(ThrottlerGuard) // per client address: HC_REGISTRATIONS_PER_MINUTE
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: UserTokenResponse })
  @ApiTooManyRequestsResponse({ description: 'too many registrations from this address; see Retry-After' })
  register(@Body(NoBodyPipe) _body: undefined): Promise<UserTokenResponse> {
    return this.users.register();
  }
}

/** Renewal of a phone's token: no rate limit of its own, it costs one read of the read model. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/users/me')
@UseGuards(UserAuthGuard)
export class UserTokenController {
  constructor(private readonly users: UsersService) {}

  @Post('token')
  @HttpCode(200)
  @ApiOkResponse({
    type: UserTokenResponse,
    description:
      'a new token for the caller, valid HC_USER_TOKEN_TTL_SECONDS from now; the one sent stays valid until its own expiry',
  })
  @ApiUnauthorizedResponse({
    description: 'no token, or an invalid, expired or revoked one: a phone that gets this registers again',
  })
  @ApiForbiddenResponse({ description: 'not a user token' })
  refresh(@CurrentUser() user: UserPrincipal, @Body(NoBodyPipe) _body: undefined): UserTokenResponse {
    return this.users.refresh(user);
  }
}
