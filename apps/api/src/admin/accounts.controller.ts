import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminAuthGuard, CurrentAdmin, type AdminPrincipal } from '#libs/auth/index.js';
import { NoBodyPipe } from '#libs/http/index.js';
import {
  AccountList,
  CreateAccountRequest,
  CreatedAccount,
  DisableAccountRequest,
  ResetPasswordRequest,
  ResetPasswordResponse,
  UsernameParam,
} from './accounts.dto.js';
import { AccountsService } from './accounts.service.js';

/** Admin and reviewer accounts (admins only); each change is audited. */
@ApiTags('admin: accounts')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no, an invalid or an expired token' })
@ApiForbiddenResponse({ description: 'not an admin token, or not the admin role' })
@Controller('v1/admin/accounts')
@UseGuards(AdminAuthGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOkResponse({ type: AccountList, description: 'by username' })
  list() {
    return this.accounts.list();
  }

  @Post()
  @ApiCreatedResponse({ type: CreatedAccount })
  @ApiConflictResponse({ description: 'the username is taken' })
  create(@CurrentAdmin() admin: AdminPrincipal, @Body() body: CreateAccountRequest) {
    return this.accounts.create(admin, body.username, body.role, body.password);
  }

  @Post(':username/disable')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'its logins and tokens are refused from now on' })
  @ApiNotFoundResponse({ description: 'no such account' })
  @ApiConflictResponse({ description: "the caller's own account" })
  async disable(@CurrentAdmin() admin: AdminPrincipal, @Param() p: UsernameParam, @Body() body: DisableAccountRequest) {
    await this.accounts.setDisabled(admin, p.username, true, body.note ?? null);
  }

  @Post(':username/enable')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'no such account' })
  async enable(@CurrentAdmin() admin: AdminPrincipal, @Param() p: UsernameParam, @Body(NoBodyPipe) _body: undefined) {
    await this.accounts.setDisabled(admin, p.username, false, null);
  }

  @Post(':username/password')
  @HttpCode(200)
  @ApiOkResponse({ type: ResetPasswordResponse, description: 'the generated password when none was given' })
  @ApiNotFoundResponse({ description: 'no such account' })
  resetPassword(@CurrentAdmin() admin: AdminPrincipal, @Param() p: UsernameParam, @Body() body: ResetPasswordRequest) {
    return this.accounts.resetPassword(admin, p.username, body.password);
  }
}
