import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminAuthGuard, CurrentAdmin, Roles, type AdminPrincipal } from '#libs/auth/index.js';
import {
  BulkDecisionRequest,
  BulkDecisionResponse,
  CodeChangeIdParam,
  CodeChangePage,
  CodeChangeResponse,
  CodeChangeWithEvidence,
  DecisionRequest,
  ListCodeChangesQuery,
  RevokeRequest,
} from './code-changes.dto.js';
import { CodeChangeDecisionsService } from './code-change-decisions.service.js';
import { CodeChangesService } from './code-changes.service.js';
import { codeChangeView } from './views.js';

/** The review queue (docs/api.md): admins and reviewers read and decide; only admins revoke. */
@ApiTags('admin: code changes')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
@ApiForbiddenResponse({ description: 'not an admin token, or a role without this right' })
@Controller('v1/admin/code-changes')
@UseGuards(AdminAuthGuard)
export class CodeChangesController {
  constructor(
    private readonly reads: CodeChangesService,
    private readonly decisions: CodeChangeDecisionsService,
  ) {}

  @Get()
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: CodeChangePage, description: 'oldest first' })
  list(@Query() q: ListCodeChangesQuery) {
    return this.reads.list(q);
  }

  @Post('decisions')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: BulkDecisionResponse, description: 'each distinct id decided once, in its own transaction' })
  async decideMany(@CurrentAdmin() admin: AdminPrincipal, @Body() body: BulkDecisionRequest) {
    return { items: await this.decisions.decideMany(admin, body.ids, body.decision, body.note ?? null) };
  }

  @Get(':id')
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: CodeChangeWithEvidence })
  @ApiNotFoundResponse()
  get(@Param() p: CodeChangeIdParam) {
    return this.reads.get(p.id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({
    type: CodeChangeResponse,
    description:
      "`applied`, or `superseded` when the person's code is already at or above the request (requests never lower a code)",
  })
  @ApiConflictResponse({ description: 'no longer pending' })
  @ApiNotFoundResponse()
  async approve(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: DecisionRequest) {
    return codeChangeView(await this.decisions.approve(admin, p.id, body.note ?? null));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: CodeChangeResponse })
  @ApiConflictResponse({ description: 'no longer pending' })
  @ApiNotFoundResponse()
  async reject(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: DecisionRequest) {
    return codeChangeView(await this.decisions.reject(admin, p.id, body.note ?? null));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: CodeChangeResponse, description: '`revoked`: the code before the change is restored' })
  @ApiConflictResponse({ description: 'not applied, or a newer change of the code depends on it' })
  @ApiNotFoundResponse()
  async revoke(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: RevokeRequest) {
    return codeChangeView(await this.decisions.revoke(admin, p.id, body.note));
  }
}
