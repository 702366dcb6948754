import { Global, Module } from '@nestjs/common';
import { TracingLag } from './tracing-lag.service.js';

/** Global so that the platform's readiness checks (another module) can ask it. */
@Global()
@Module({ providers: [TracingLag], exports: [TracingLag] })
export class TracingLagModule {}
