import { Global, Module } from '@nestjs/common';
import { AdminAuthenticator } from './admin-authenticator.js';
import { AdminAuthGuard, UserAuthGuard } from './guards.js';
import { TokenService } from './token.service.js';

@Global()
@Module({ providers: [TokenService, AdminAuthenticator, UserAuthGuard, AdminAuthGuard], exports: [TokenService, AdminAuthenticator, UserAuthGuard, AdminAuthGuard] })
export class AuthModule {}
