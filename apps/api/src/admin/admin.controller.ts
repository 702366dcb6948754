import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, CurrentAdmin, Roles, type AdminPrincipal } from '#libs/auth/index.js';
import type { CodeRow, HistoryRow } from '#libs/db/index.js';
import { LoginRequest, LoginResponse, SetCodeRequest } from './admin.dto.js';
import { AdminAuthService } from './admin-auth.service.js';
import { AdminCodesService } from './admin-codes.service.js';
import { UserIdParam } from './user-id.param.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const codeView = (c: CodeRow) => ({
  userId: c.userId,
  color: c.color,
  reason: c.reason,
  updatedAt: iso(c.updatedAtMs),
  expiresAt: iso(c.expiresAtMs),
  infectiousFrom: iso(c.infectiousFromMs),
  version: c.version,
});

const historyView = (h: HistoryRow) => ({ fromColor: h.fromColor, toColor: h.toColor, reason: h.reason, actor: h.actor, at: iso(h.atMs) });

@ApiTags('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly auth: AdminAuthService, private readonly codes: AdminCodesService) {}

  @Post('sessions')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponse })
  login(@Body() body: LoginRequest): Promise<LoginResponse> {
    return this.auth.login(body.username, body.password);
  }

  @Put('users/:userId/code')
  @ApiBearerAuth()
  @UseGuards(AdminAuthGuard)
  async setCode(@CurrentAdmin() admin: AdminPrincipal, @Param() p: UserIdParam, @Body() body: SetCodeRequest) {
    return codeView(await this.codes.setCode(admin, p.userId, body));
  }

  @Get('users/:userId/code')
  @ApiBearerAuth()
  @Roles('admin', 'reviewer')
  @UseGuards(AdminAuthGuard)
  async getCode(@Param() p: UserIdParam) {
    const { code, history } = await this.codes.getCode(p.userId);
    return { ...codeView(code), history: history.map(historyView) };
  }
}
