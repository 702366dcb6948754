import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminAuthGuard, CurrentAdmin, type AdminPrincipal } from '#libs/auth/index.js';
import { NoBodyPipe } from '#libs/http/index.js';
import { ListWindowsQuery, RerunResponse, WindowIdParam, WindowPage } from './windows.dto.js';
import { WindowsService } from './windows.service.js';

/** Tracing windows (admins only). */
@ApiTags('admin: windows')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
@ApiForbiddenResponse({ description: 'not an admin token, or not the admin role' })
@Controller('v1/admin/windows')
@UseGuards(AdminAuthGuard)
export class WindowsController {
  constructor(private readonly windows: WindowsService) {}

  @Get()
  @ApiOkResponse({ type: WindowPage, description: 'newest first' })
  list(@Query() q: ListWindowsQuery) {
    return this.windows.list(q);
  }

  @Post(':id/rerun')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RerunResponse, description: 'queued; the result equals the first trace' })
  @ApiNotFoundResponse({ description: 'no such window' })
  @ApiConflictResponse({ description: 'the window is not traced yet (open, closing or processing)' })
  rerun(@CurrentAdmin() admin: AdminPrincipal, @Param() p: WindowIdParam, @Body(NoBodyPipe) _body: undefined) {
    return this.windows.rerun(admin, Number(p.id));
  }
}
