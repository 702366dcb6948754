import { Global, Module } from '@nestjs/common';
import { AdminAuthGuard, UserAuthGuard } from './guards.js';
import { TokenService } from './token.service.js';

@Global()
@Module({ providers: [TokenService, UserAuthGuard, AdminAuthGuard], exports: [TokenService, UserAuthGuard, AdminAuthGuard] })
export class AuthModule {}
