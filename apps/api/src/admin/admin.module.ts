import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsService } from './accounts.service.js';
import { AdminController } from './admin.controller.js';
import { AdminAuthService } from './admin-auth.service.js';
import { AdminCodesService } from './admin-codes.service.js';
import { CodeChangeDecisionsService } from './code-change-decisions.service.js';
import { CodeChangesController } from './code-changes.controller.js';
import { CodeChangesService } from './code-changes.service.js';
import { AuditTrailController } from './audit-trail.controller.js';
import { AuditTrailService } from './audit-trail.service.js';
import { ReviewQueueService } from './review-queue.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { ReviewMetrics } from './review-metrics.js';
import { WindowsController } from './windows.controller.js';
import { WindowsService } from './windows.service.js';

@Module({
  controllers: [AdminController, CodeChangesController, WindowsController, AuditTrailController, AccountsController],
  providers: [
    AccountsService,
    AdminAuthService,
    AuditTrailService,
    AdminCodesService,
    CodeChangesService,
    CodeChangeDecisionsService,
    LoginThrottle,
    ReviewMetrics,
    ReviewQueueService,
    WindowsService,
  ],
})
export class AdminModule {}
