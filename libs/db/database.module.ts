import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { AdminRepository } from './admin.repository.js';
import { assertAppLogin } from './app-login.js';
import { APP_DB_CONNECTION_OPTIONS } from './app-role.js';
import { AuditRepository } from './audit.repository.js';
import { HealthCodeRepository } from './health-code.repository.js';
import { LatePingRepository } from './late-ping.repository.js';
import { RetroTraceRepository } from './retro-trace.repository.js';
import { ReviewQueueRepository } from './review-queue.repository.js';
import { PingPartitionRepository } from './ping-partition.repository.js';
import { PingRepository } from './ping.repository.js';
import { UserRepository } from './user.repository.js';
import { WindowRepository } from './window.repository.js';
import { CodeChangeRepository } from './code-change.repository.js';
import { TraceShardRepository } from './trace-shard.repository.js';
import { TracingRepository } from './tracing.repository.js';
import { WindowExposureRepository } from './window-exposures.repository.js';

const repositories = [
  AdminRepository,
  AuditRepository,
  CodeChangeRepository,
  HealthCodeRepository,
  LatePingRepository,
  PingPartitionRepository,
  PingRepository,
  RetroTraceRepository,
  ReviewQueueRepository,
  TraceShardRepository,
  TracingRepository,
  UserRepository,
  WindowExposureRepository,
  WindowRepository,
];

/** Resolved once the pool's login is known to fit the apps (assertAppLogin). */
const APP_LOGIN_CHECKED = Symbol('APP_LOGIN_CHECKED');

/**
 * The Postgres connection pool and the repositories. The schema is owned by the hand-written
 * migrations: TypeORM never synchronizes or migrates. The pool logs in as the apps' own login,
 * and nothing starts on a login that could rewrite the audit trail or the schema.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        type: 'postgres' as const,
        url: c.databaseUrl,
        synchronize: false,
        migrationsRun: false,
        entities: [],
        retryAttempts: 3,
        retryDelay: 1_000,
        // Idle connections are kept (0: no idle timeout), a pool that stays at the size it grew to:
        // a batch process traces once a window, and a connection opened for that trace (connect,
        // authentication, a fresh backend's empty catalog caches: 15-40 ms here) sat on its
        // critical path again whenever the last one had idled out between the minute's ticks.
        extra: { max: 20, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 0, options: APP_DB_CONNECTION_OPTIONS },
      }),
    }),
  ],
  providers: [
    ...repositories,
    {
      provide: APP_LOGIN_CHECKED,
      inject: [DataSource],
      useFactory: async (db: DataSource) => {
        await assertAppLogin((sql, params) => db.query(sql, params));
        return true;
      },
    },
  ],
  exports: repositories,
})
export class DatabaseModule {}
