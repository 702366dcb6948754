import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, requireJwtSecret, type AppConfig, type TrustProxy } from '#libs/config/index.js';
import { AllErrorsFilter } from './all-errors.filter.js';
import { runClustered } from './cluster.js';
import { FastLane } from './fast-lane.js';
import { installGracefulShutdown } from './graceful-shutdown.js';
import { serveOpenApi } from './openapi.js';
import { serveMetrics } from './metrics-server.js';
import { installRequestMetrics } from './request-metrics.js';
import { recordRoutes } from './route-table.js';
import { createValidationPipe } from './validation.js';

export interface HttpAppOptions {
  name: string;
  port: (c: AppConfig) => number;
  /** Prometheus' port (metrics-server.ts), on HC_METRICS_HOST. */
  metricsPort: (c: AppConfig) => number;
  module: (c: AppConfig) => unknown;
  bodyLimitBytes?: number;
  /** How many processes serve the port (default 1). */
  workers?: (c: AppConfig) => number;
  /** The title of the app's OpenAPI document (see openapi.ts); an app without one serves none. */
  openApiTitle?: string;
  /** Paths under this prefix are left out of the public document (the app serves them its own way). */
  openApiPrivatePrefix?: string;
  /** Runs after the app is built and before it listens (fast-lane routes, plugins, ...). */
  configure?: (app: NestFastifyApplication, c: AppConfig, fastLane: FastLane) => Promise<void> | void;
}

/** An app built as it runs in production, not yet listening. */
export interface HttpApp {
  app: NestFastifyApplication;
  /** What it answers once it listens (see route-table.ts). */
  routes: () => string[];
}

/**
 * Loads the config or stops the process with a message naming the variable. `requireJwtSecret`:
 * the process signs or checks tokens (the apps; the CLI and the migrations do neither).
 */
export function loadConfigOrExit(opts: { requireJwtSecret?: boolean } = {}): AppConfig {
  try {
    const config = loadConfig();
    if (opts.requireJwtSecret) requireJwtSecret(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/**
 * Starts one app in HC_HTTP_WORKERS processes (see cluster.ts): Fastify, pino logs, one error
 * shape, validation, graceful SIGTERM.
 */
export async function runHttpApp(opts: HttpAppOptions): Promise<void> {
  const config = loadConfigOrExit({ requireJwtSecret: true });
  const metrics = { host: config.metrics.host, port: opts.metricsPort(config) };
  await runClustered(opts.workers?.(config) ?? 1, opts.name, () => startHttpApp(opts, config, metrics), metrics);
}

async function startHttpApp(
  opts: HttpAppOptions,
  config: AppConfig,
  metrics: { host: string; port: number },
): Promise<NestFastifyApplication> {
  const { app } = await createHttpApp(opts, config);
  const port = opts.port(config);
  await app.listen(port, '0.0.0.0');
  const logger = app.get(Logger);
  logger.log(`${opts.name} listening on :${port}`);
  // A cluster's workers leave the metrics port to their primary (cluster-metrics.ts).
  if (!cluster.isWorker) {
    await serveMetrics(metrics.host, metrics.port, () => register.metrics());
    // The port only, like the line above: the logs name no address (docs/security.md, Privacy).
    logger.log(`${opts.name} metrics on :${metrics.port}/metrics`);
  }
  return app;
}

/**
 * Fastify's `trustProxy` for HC_TRUST_PROXY. A hop count is given as a function: Fastify 5 reads a
 * plain number as "trust nobody" (it cannot check the nearest peer's address), while a count
 * means the nearest `hops` peers are the operator's proxies, whatever their address.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (!trust) return false;
  if ('proxies' in trust) return trust.proxies;
  const { hops } = trust;
  return (_address, hop) => hop < hops;
}

/** Builds one process's app: everything startHttpApp does but listen (the route check runs it too). */
export async function createHttpApp(opts: HttpAppOptions, config: AppConfig): Promise<HttpApp> {
  const fastLane = new FastLane(config.http);
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimitBytes ?? 64 * 1024,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    serverFactory: fastLane.serverFactory,
    // A draining server answers what reaches it (see graceful-shutdown.ts) rather than 503.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(opts.module(config) as never, adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  const routes = recordRoutes(app.getHttpAdapter().getInstance(), fastLane);
  installRequestMetrics(app.getHttpAdapter().getInstance());
  app.useGlobalFilters(new AllErrorsFilter());
  app.useGlobalPipes(createValidationPipe());
  installGracefulShutdown(app);
  if (opts.openApiTitle) serveOpenApi(app, fastLane, opts.openApiTitle, opts.openApiPrivatePrefix);
  await opts.configure?.(app, config, fastLane);
  return { app, routes };
}
