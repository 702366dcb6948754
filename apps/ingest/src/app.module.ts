import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '#libs/auth/index.js';
import { CacheModule, RedisPolicyCheckModule } from '#libs/cache/index.js';
import { CodeWriterModule } from '#libs/codes/index.js';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/db/index.js';
import { PlatformModule } from '#libs/http/index.js';
import { PingsModule } from './pings/pings.module.js';

@Module({})
export class IngestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule.forRoot('ingest', config),
        DatabaseModule,
        CacheModule,
        RedisPolicyCheckModule,
        AuthModule,
        // The code read model: a phone's token version is checked there.
        CodeWriterModule,
        PingsModule,
      ],
    };
  }
}
