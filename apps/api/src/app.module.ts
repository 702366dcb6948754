import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '#libs/auth/index.js';
import { CacheModule, RedisPolicyCheckModule } from '#libs/cache/index.js';
import { CodeWriterModule } from '#libs/codes/index.js';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/db/index.js';
import { PlatformModule } from '#libs/http/index.js';
import { QueueModule } from '#libs/queue/index.js';
import { AdminModule } from './admin/admin.module.js';
import { CodesModule } from './codes/codes.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule.forRoot('api', config),
        DatabaseModule,
        CacheModule,
        RedisPolicyCheckModule,
        // The api queues window reruns and shows the queue dashboard.
        QueueModule,
        AuthModule,
        CodeWriterModule,
        UsersModule,
        CodesModule,
        AdminModule,
      ],
    };
  }
}
