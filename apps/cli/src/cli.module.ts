import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '#libs/auth/index.js';
import { CacheModule } from '#libs/cache/index.js';
import { CodeWriterModule } from '#libs/codes/index.js';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/db/index.js';
import { QueueModule } from '#libs/queue/index.js';

/**
 * What the operator commands need: the configuration, Postgres (as the app role), accounts, the
 * code read model (a revocation updates it) and the tracing queue.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, CacheModule, CodeWriterModule, AuthModule, QueueModule],
    };
  }
}
