import { Global, Module } from '@nestjs/common';
import { AdminAccounts } from './admin-accounts.service.js';
import { AdminAuthenticator } from './admin-authenticator.js';
import { AdminAuthGuard, UserAuthGuard } from './guards.js';
import { TokenService } from './token.service.js';

const providers = [TokenService, AdminAuthenticator, AdminAccounts, UserAuthGuard, AdminAuthGuard];

@Global()
@Module({ providers, exports: providers })
export class AuthModule {}
