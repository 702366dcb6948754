import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, UserAuthGuard, type UserPrincipal } from '#libs/auth/index.js';
import { PingsRequest, PingsResponse } from './pings.dto.js';
import { PingsService } from './pings.service.js';

@ApiTags('pings')
@ApiBearerAuth()
@Controller('v1/pings')
@UseGuards(UserAuthGuard, ThrottlerGuard) // per user: HC_PING_BATCHES_PER_MINUTE
export class PingsController {
  constructor(private readonly pings: PingsService) {}

  @Post()
  @HttpCode(202)
  @ApiBody({ type: PingsRequest })
  @ApiAcceptedResponse({ type: PingsResponse })
  @ApiBadRequestResponse({ description: 'a malformed batch, refused whole: details [{ index, field, message }]' })
  @ApiUnauthorizedResponse({
    description:
      'no token, or an invalid, expired or revoked one: phones renew before expiry (POST /v1/users/me/token on the api) and register again after a 401',
  })
  @ApiTooManyRequestsResponse({ description: 'too many batches from this user; see Retry-After' })
  ingest(@CurrentUser() user: UserPrincipal, @Body() body: unknown): Promise<PingsResponse> {
    return this.pings.ingest(user.userId, body);
  }
}
