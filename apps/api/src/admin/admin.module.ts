import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AdminAuthService } from './admin-auth.service.js';
import { AdminCodesService } from './admin-codes.service.js';

@Module({ controllers: [AdminController], providers: [AdminAuthService, AdminCodesService] })
export class AdminModule {}
