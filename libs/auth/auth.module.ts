import { Global, Module } from '@nestjs/common';
import { AdminAccounts } from './admin-accounts.service.js';
import { AdminAuthenticator } from './admin-authenticator.js';
import { AdminAuthGuard, UserAuthGuard } from './guards.js';
import { TokenService } from './token.service.js';
import { UserAuthenticator } from './user-authenticator.js';

// UserAuthenticator reads the code read model: the app provides CodeReader (CodeWriterModule).
const providers = [TokenService, AdminAuthenticator, AdminAccounts, UserAuthenticator, UserAuthGuard, AdminAuthGuard];

@Global()
@Module({ providers, exports: providers })
export class AuthModule {}
