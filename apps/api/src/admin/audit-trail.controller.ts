import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminAuthGuard } from '#libs/auth/index.js';
import { AuditPage, AuditQuery } from './audit-trail.dto.js';
import { AuditTrailService } from './audit-trail.service.js';

/** The audit trail, read-only (admins only): actions and reads of personal data, newest first. */
@ApiTags('admin: audit')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
@ApiForbiddenResponse({ description: 'not an admin token, or not the admin role' })
@Controller('v1/admin/audit')
@UseGuards(AdminAuthGuard)
export class AuditTrailController {
  constructor(private readonly trail: AuditTrailService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'newest first' })
  list(@Query() q: AuditQuery): Promise<AuditPage> {
    return this.trail.list(q);
  }
}
