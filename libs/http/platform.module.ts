import { createRequire } from 'node:module';
import { Module, RequestMethod, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { collectDefaultMetrics, register } from 'prom-client';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '#libs/config/index.js';
import { HealthController } from './health.controller.js';

// Routes too hot or too dull for an access log line each: no request logger at all (it costs a
// child logger per request even when the line is not written).
const QUIET_ROUTES = [
  { path: 'v1/codes/me', method: RequestMethod.GET },
  { path: 'health/{*rest}', method: RequestMethod.GET },
];

// One line a record: time, level, [app] context: message, then the record's other fields on the
// same line (an error's stack below it). The target is resolved here, from this file, so it does
// not depend on pino guessing its caller from a stack trace.
function prettyTransport() {
  return {
    target: createRequire(import.meta.url).resolve('pino-pretty'),
    options: {
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,app,context',
      messageFormat: '[{app}] {if context}{context}: {end}{msg}',
      singleLine: true,
    },
  };
}

/**
 * What every app has: logs (pino: JSON lines, or readable lines with LOG_FORMAT=pretty) without
 * tokens or client addresses, `/health/live` and `/health/ready`, and the Prometheus registry
 * (served on a port of its own: metrics-server.ts).
 * `readiness` provides READINESS_CHECKS, for an app with more to check than Postgres and the
 * cache Redis.
 */
@Module({})
export class PlatformModule {
  static forRoot(app: string, config: AppConfig, readiness?: Provider): DynamicModule {
    register.setDefaultLabels({ app });
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          exclude: QUIET_ROUTES,
          // nestjs-pino's default route pattern ('{/*splat}') matches no request of the Fastify
          // adapter's root context, which left every Nest route without an access log.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            base: { app },
            // LOG_FORMAT=pretty (npm start in a terminal): the same records as readable lines,
            // formatted in pino's worker thread rather than on the event loop.
            ...(config.logFormat === 'pretty' ? { transport: prettyTransport() } : {}),
            // Only method, route and status: no headers (tokens), no address, no query string.
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
              res: (res: { statusCode: number }) => ({ status: res.statusCode }),
            },
          },
        }),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
      ],
      controllers: [HealthController],
      providers: readiness ? [readiness] : [],
    };
  }
}
