import { Module } from '@nestjs/common';
import { FreshnessService } from './freshness.service.js';

/** The read path (CodeReader, in libs/codes); its route is served from the fast lane (see code.route.ts). */
@Module({ providers: [FreshnessService], exports: [FreshnessService] })
export class CodesModule {}
