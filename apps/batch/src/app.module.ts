import { Module, type DynamicModule } from '@nestjs/common';
import { getQueueToken, Processor } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { CacheModule, RedisPolicyCheckModule } from '#libs/cache/index.js';
import { CodeWriterModule } from '#libs/codes/index.js';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/db/index.js';
import { PlatformModule, READINESS_CHECKS, type ReadinessChecks } from '#libs/http/index.js';
import { QueueModule, TRACING_QUEUE } from '#libs/queue/index.js';
import { CacheRebuilder } from './cache-rebuild/cache-rebuilder.service.js';
import { RecentCodesSync } from './cache-rebuild/recent-codes-sync.service.js';
import { PartitionMaintenance } from './maintenance/partition-maintenance.service.js';
import { QuarantineExpiry } from './maintenance/quarantine-expiry.service.js';
import { RedisPolicies } from './maintenance/redis-policies.service.js';
import { TracingLagModule } from './scheduling/tracing-lag.module.js';
import { TracingLag } from './scheduling/tracing-lag.service.js';
import { WindowScheduler } from './scheduling/window-scheduler.service.js';
import { ContactFinder } from './tracing/contact-finder.service.js';
import { EvidenceMerger } from './tracing/evidence-merger.service.js';
import { LatePingTracer } from './tracing/late-ping-tracer.service.js';
import { RetroTracer } from './tracing/retro-tracer.service.js';
import { ShardTracer } from './tracing/shard-tracer.service.js';
import { TracingProcessor } from './tracing/tracing.processor.js';
import { WindowRequests } from './tracing/window-requests.service.js';
import { WindowTraceFlow } from './tracing/window-trace.flow.js';
import { WindowTracer } from './tracing/window-tracer.service.js';

@Module({})
export class BatchModule {
  static forRoot(config: AppConfig): DynamicModule {
    // Worker options come from the validated configuration, so they are set here rather than
    // in a decorator. A dead worker's job is taken over after the lock expires; a job may be
    // taken over that way several times (each run is idempotent) before it counts as failed.
    Processor(TRACING_QUEUE, {
      concurrency: 2,
      lockDuration: config.jobLockSeconds * 1000,
      stalledInterval: Math.max(1000, (config.jobLockSeconds * 1000) / 2),
      maxStalledCount: 10,
    })(TracingProcessor);
    return {
      module: BatchModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule.forRoot('batch', config, {
          provide: READINESS_CHECKS,
          inject: [getQueueToken(TRACING_QUEUE), TracingLag],
          useFactory: (queue: Queue, lag: TracingLag): ReadinessChecks => ({
            queue: () => queue.count(),
            tracing: () => lag.readiness(),
          }),
        }),
        DatabaseModule,
        CacheModule,
        RedisPolicyCheckModule,
        QueueModule,
        CodeWriterModule,
        TracingLagModule,
      ],
      providers: [
        WindowScheduler,
        WindowTracer,
        ShardTracer,
        WindowTraceFlow,
        TracingProcessor,
        CacheRebuilder,
        RecentCodesSync,
        PartitionMaintenance,
        ContactFinder,
        WindowRequests,
        EvidenceMerger,
        LatePingTracer,
        RetroTracer,
        QuarantineExpiry,
        RedisPolicies,
      ],
    };
  }
}
