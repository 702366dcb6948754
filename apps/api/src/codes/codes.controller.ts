import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserAuthGuard, type UserPrincipal } from '#libs/auth/index.js';
import { CodeResponse } from './code.dto.js';
import { CodeReader } from './code-reader.service.js';
import { FreshnessService } from './freshness.service.js';

@ApiTags('codes')
@ApiBearerAuth()
@Controller('v1/codes')
@UseGuards(UserAuthGuard)
export class CodesController {
  constructor(private readonly reader: CodeReader, private readonly freshness: FreshnessService) {}

  @Get('me')
  @ApiOkResponse({ type: CodeResponse })
  async me(@CurrentUser() user: UserPrincipal): Promise<CodeResponse> {
    const [view, tracedUntil] = await Promise.all([this.reader.read(user.userId), this.freshness.tracedUntilMs()]);
    return CodeResponse.of(view, tracedUntil);
  }
}
