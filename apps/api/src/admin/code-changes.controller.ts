import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard, CurrentAdmin, Roles, type AdminPrincipal } from '#libs/auth/index.js';
import { NoBodyPipe } from '#libs/http/index.js';
import {
  BulkDecisionRequest,
  BulkDecisionResponse,
  CodeChangeIdParam,
  CodeChangeResponse,
  CodeChangeWithEvidence,
  DecisionRequest,
  RevokeRequest,
} from './code-changes.dto.js';
import { CodeChangeDecisionsService } from './code-change-decisions.service.js';
import { CodeChangesService } from './code-changes.service.js';
import {
  BulkByFilterRequest,
  BulkByFilterResponse,
  BulkPreviewRequest,
  BulkPreviewResponse,
  ClaimRequest,
  ClaimResponse,
  CodeChangeQueuePage,
  ListCodeChangesQuery,
  QueueOrderQuery,
  ReleaseResponse,
} from './review-queue.dto.js';
import { ReviewQueueService } from './review-queue.service.js';

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
    private readonly queue: ReviewQueueService,
    private readonly decisions: CodeChangeDecisionsService,
  ) {}

  @Get()
  @Roles('admin', 'reviewer')
  @ApiOkResponse({
    type: CodeChangeQueuePage,
    description: 'filtered and sorted (default: oldest first); `page`/`pageSize` with `total`, or `limit`/`cursor`',
  })
  list(@Query() q: ListCodeChangesQuery) {
    return this.queue.list(q);
  }

  @Get('export.csv')
  @Roles('admin', 'reviewer')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'every matching request as CSV (streamed), in the sort asked for; audited' })
  async export(@CurrentAdmin() admin: AdminPrincipal, @Query() q: QueueOrderQuery, @Res() reply: FastifyReply) {
    const lines = await this.queue.export(admin, q);
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="code-changes-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines));
  }

  @Post('bulk-by-filter/preview')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: BulkPreviewResponse })
  previewByFilter(@CurrentAdmin() admin: AdminPrincipal, @Body() body: BulkPreviewRequest) {
    return this.decisions.previewByFilter(admin, body.filter);
  }

  @Post('bulk-by-filter')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: BulkByFilterResponse, description: 'all matching requests decided in one transaction' })
  @ApiBadRequestResponse({ description: 'a token not from a current preview of this account, or of another filter' })
  @ApiConflictResponse({ description: 'the filter matches another number of requests now: preview again' })
  decideByFilter(@CurrentAdmin() admin: AdminPrincipal, @Body() body: BulkByFilterRequest) {
    return this.decisions.decideByFilter(admin, body);
  }

  @Post('claims')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: ClaimResponse, description: 'the oldest unclaimed pending requests matching the filter' })
  claim(@CurrentAdmin() admin: AdminPrincipal, @Body() body: ClaimRequest) {
    return this.queue.claim(admin, body.count ?? 50, body.filter);
  }

  @Delete('claims')
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: ReleaseResponse, description: "ends the caller's claims" })
  release(@CurrentAdmin() admin: AdminPrincipal, @Body(NoBodyPipe) _body: undefined) {
    return this.queue.release(admin);
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
  get(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam) {
    return this.reads.get(admin, p.id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({
    type: CodeChangeResponse,
    description:
      "`applied`, or `superseded` when the person's code is already at or above the request (requests never lower a code)",
  })
  @ApiConflictResponse({ description: 'no longer pending, or claimed by another official' })
  @ApiNotFoundResponse()
  async approve(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: DecisionRequest) {
    return this.queue.view(await this.decisions.approve(admin, p.id, body.note ?? null));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('admin', 'reviewer')
  @ApiOkResponse({ type: CodeChangeResponse })
  @ApiConflictResponse({ description: 'no longer pending, or claimed by another official' })
  @ApiNotFoundResponse()
  async reject(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: DecisionRequest) {
    return this.queue.view(await this.decisions.reject(admin, p.id, body.note ?? null));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: CodeChangeResponse, description: '`revoked`: the code before the change is restored' })
  @ApiConflictResponse({ description: 'not applied, or a newer change of the code depends on it' })
  @ApiNotFoundResponse()
  async revoke(@CurrentAdmin() admin: AdminPrincipal, @Param() p: CodeChangeIdParam, @Body() body: RevokeRequest) {
    return this.queue.view(await this.decisions.revoke(admin, p.id, body.note));
  }
}
