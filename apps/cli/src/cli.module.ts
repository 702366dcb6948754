import { Module, type DynamicModule } from '@nestjs/common';
import { AdminAccounts } from '#libs/auth/index.js';
import { CacheModule } from '#libs/cache/index.js';
import { CodeWriterModule } from '#libs/codes/index.js';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/db/index.js';
import { QueueModule } from '#libs/queue/index.js';

/**
 * What the operator commands need: the configuration, Postgres (as the app role), accounts, the
 * code read model (a revocation updates it) and the tracing queue. Not the token key: the CLI
 * signs and checks no token, so it runs without HC_JWT_SECRET.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, CacheModule, CodeWriterModule, QueueModule],
      providers: [AdminAccounts],
    };
  }
}
