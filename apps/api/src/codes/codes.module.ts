import { Module } from '@nestjs/common';
import { CodeReader } from './code-reader.service.js';
import { CodesController } from './codes.controller.js';
import { FreshnessService } from './freshness.service.js';

@Module({ controllers: [CodesController], providers: [CodeReader, FreshnessService], exports: [FreshnessService] })
export class CodesModule {}
