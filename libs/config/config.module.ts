import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config.js';

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Provides the configuration that main.ts loaded and validated before Nest started
 * (so a bad value stops the process with a plain message, not a stack trace).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
