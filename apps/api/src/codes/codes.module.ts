import { Module } from '@nestjs/common';
import { CodeReader } from './code-reader.service.js';
import { FreshnessService } from './freshness.service.js';

/** The read path; its route is served from the fast lane (see code.route.ts). */
@Module({ providers: [CodeReader, FreshnessService], exports: [CodeReader, FreshnessService] })
export class CodesModule {}
