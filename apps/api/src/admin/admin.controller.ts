import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminAuthGuard, CurrentAdmin, Roles, type AdminPrincipal } from '#libs/auth/index.js';
import { TokenRevoker } from '#libs/codes/index.js';
import {
  LoginRequest,
  LoginResponse,
  RevokedTokensResponse,
  RevokeTokensRequest,
  SetCodeRequest,
} from './admin.dto.js';
import { AdminAuthService } from './admin-auth.service.js';
import { AdminCodesService } from './admin-codes.service.js';
import { dashboardCookie, endedDashboardCookie, viaHttps } from './queue-dashboard.js';
import { UserIdParam } from './user-id.param.js';
import { codeView, historyView } from './views.js';

@ApiTags('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly codes: AdminCodesService,
    private readonly tokens: TokenRevoker,
  ) {}

  @Post('sessions')
  @HttpCode(200)
  @ApiOkResponse({
    type: LoginResponse,
    description: 'an admin also gets the queue dashboard cookie (HttpOnly, path /admin/queues)',
  })
  @ApiUnauthorizedResponse({ description: 'wrong username or password, or a disabled account' })
  @ApiTooManyRequestsResponse({
    description: 'too many failed logins for this username or from this address (Retry-After)',
  })
  async login(
    @Body() body: LoginRequest,
    @Ip() ip: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    const session = await this.auth.login(body.username, body.password, ip);
    if (session.role === 'admin') {
      const maxAge = Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000);
      void reply.header('set-cookie', dashboardCookie(session.token, maxAge, viaHttps(req)));
    }
    return session;
  }

  /**
   * Logging out ends the queue dashboard's cookie; the console forgets its token, which expires
   * on its own. Nothing else ends: the account's other sessions (another browser) go on.
   */
  @Delete('sessions')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'reviewer')
  @UseGuards(AdminAuthGuard)
  @ApiNoContentResponse({ description: 'logged out: the queue dashboard cookie is cleared (Set-Cookie, Max-Age=0)' })
  @ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
  @ApiForbiddenResponse({ description: 'not an admin token' })
  logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', endedDashboardCookie(viaHttps(req)));
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
  @ApiOkResponse({ description: "the person's code and history; the read is audited" })
  @ApiNotFoundResponse({ description: 'no such person' })
  async getCode(@CurrentAdmin() admin: AdminPrincipal, @Param() p: UserIdParam) {
    const { code, history } = await this.codes.getCode(admin, p.userId);
    return { ...codeView(code), history: history.map(historyView) };
  }

  @Post('users/:userId/tokens/revoke')
  @HttpCode(200)
  @ApiBearerAuth()
  @UseGuards(AdminAuthGuard)
  @ApiOkResponse({
    type: RevokedTokensResponse,
    description: "every token the person's phones hold is refused from now on (401); audited",
  })
  @ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
  @ApiForbiddenResponse({ description: 'not an admin token, or the reviewer role' })
  @ApiNotFoundResponse({ description: 'no such person' })
  @ApiServiceUnavailableResponse({ description: 'the code read model is unavailable: nothing was revoked, retry' })
  async revokeTokens(
    @CurrentAdmin() admin: AdminPrincipal,
    @Param() p: UserIdParam,
    @Body() body: RevokeTokensRequest,
  ): Promise<RevokedTokensResponse> {
    return this.tokens.revoke({ adminId: admin.adminId, actor: admin.username }, p.userId, body.note);
  }
}
